// The scalar function registry: every built-in function by name, with its overloads, how its
// return type follows from its argument types, and the kernel that computes it over a batch.
//
// Thread-safety: a FunctionRegistry is filled once (builtin_functions()) and then only read, from
// any thread. BoundFunction objects are immutable and shared by the plans that call them.
//
// Resolution follows ksqlDB's UdfIndex: among the overloads whose arity fits, an exact match of
// the argument types wins, then one reachable through implicit casts (INTEGER -> BIGINT ->
// DECIMAL -> DOUBLE); an untyped NULL literal matches any parameter. The planner then casts each
// argument to the parameter type the overload declares, so a kernel sees exactly those types.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/types.h"
#include "format/value.h"
#include "format/vector.h"

namespace sluice::sql {

// What the planner knows about one argument.
struct ArgInfo {
  format::Type type;
  bool null_literal = false;                // an untyped NULL: matches any parameter type
  const format::Value* constant = nullptr;  // set when the argument is a literal
};

struct BoundFunction;

// One batch's worth of work: compute out[r] for every physical row r in `rows`. Argument
// vectors have the parameter types the overload declared (constant vectors answer every row).
struct KernelContext {
  std::span<const format::Vector* const> args;
  std::span<const uint32_t> rows;
  format::Vector& out;
  const BoundFunction& fn;
  uint64_t errors = 0;  // rows whose computation failed (their result is NULL)
};
using ScalarKernel = std::function<void(KernelContext&)>;

// A resolved call: parameter types to cast the arguments to, the return type, the kernel, and
// anything precomputed from constant arguments (a compiled pattern, a parsed format).
struct BoundFunction {
  std::string name;
  std::vector<format::Type> param_types;
  format::Type return_type;
  ScalarKernel kernel;
  std::shared_ptr<const void> prepared;
  // Table functions (EXPLODE) produce a list per row; the planner expands the rows.
  bool table_function = false;

  template <typename T>
  const T& prepared_as() const {
    return *static_cast<const T*>(prepared.get());
  }
};
using BoundFunctionPtr = std::shared_ptr<const BoundFunction>;

// A parameter as an overload declares it.
struct ParamSpec {
  format::Type type;
  bool any = false;  // accepts any type (generic functions check further in their binder)
};

// Binds a call of a function with a custom rule (generics, variadics): returns the bound
// function, or nullopt when the arguments do not fit (the registry reports the mismatch), or an
// error to report as is.
using CustomBinder =
    std::function<std::optional<Result<BoundFunction>>(std::span<const ArgInfo> args)>;

class FunctionRegistry {
 public:
  // A fixed-arity overload; the kernel is shared by every call.
  void add(std::string_view name, std::vector<format::Type> params, format::Type return_type,
           ScalarKernel kernel);
  // An overload decided by code (generic element types, variable arity).
  void add_custom(std::string_view name, CustomBinder binder);
  void add_table_function(std::string_view name, CustomBinder binder);

  bool contains(std::string_view name) const;
  bool is_table_function(std::string_view name) const;
  std::vector<std::string> names() const;
  // The declared overloads of `name` (DESCRIBE FUNCTION); a custom overload (generic or
  // variadic) has `custom` set and no parameter list.
  struct Signature {
    std::vector<format::Type> params;
    format::Type return_type;
    bool custom = false;
  };
  std::vector<Signature> signatures(std::string_view name) const;

  // ksqlDB's messages: "Can't find any functions with the name 'FOO'",
  // "Function 'SUBSTRING' does not accept parameters (STRING, BOOLEAN)...".
  Result<BoundFunctionPtr> resolve(std::string_view name, std::span<const ArgInfo> args) const;

 private:
  struct Overload {
    std::vector<format::Type> params;
    format::Type return_type;
    ScalarKernel kernel;
    CustomBinder binder;  // set instead of params for custom overloads
  };
  struct Entry {
    std::vector<Overload> overloads;
    bool table_function = false;
  };
  std::map<std::string, Entry, std::less<>> functions_;
};

// "(STRING, INTEGER)" as ksqlDB lists argument types in its messages.
std::string arg_types_string(std::span<const ArgInfo> args);

}  // namespace sluice::sql
