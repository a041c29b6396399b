#include "sql/functions/builtins.h"

namespace sluice::sql {

const FunctionRegistry& builtin_functions() {
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();
    register_string_functions(*r);
    register_math_functions(*r);
    register_null_functions(*r);
    register_time_functions(*r);
    register_collection_functions(*r);
    register_json_functions(*r);
    register_regex_functions(*r);
    register_bytes_functions(*r);
    return r;
  }();
  return *registry;
}

}  // namespace sluice::sql
