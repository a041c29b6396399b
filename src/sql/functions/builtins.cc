#include "sql/functions/builtins.h"

namespace sluice::sql {

const FunctionRegistry& builtin_functions() {
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();
    register_string_functions(*r);
    register_math_functions(*r);
    register_null_functions(*r);
    return r;
  }();
  return *registry;
}

}  // namespace sluice::sql
