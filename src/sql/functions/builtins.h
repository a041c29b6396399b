// The built-in scalar and table functions (ksqlDB's standard library, as far as implemented).
//
// Thread-safety: the registry is built once on first use (thread-safe static) and only read.
#pragma once

#include "sql/catalog/function_registry.h"

namespace sluice::sql {

const FunctionRegistry& builtin_functions();

// One registration function per family (each in its own file).
void register_string_functions(FunctionRegistry& r);
void register_math_functions(FunctionRegistry& r);
void register_null_functions(FunctionRegistry& r);
void register_time_functions(FunctionRegistry& r);
void register_collection_functions(FunctionRegistry& r);
void register_json_functions(FunctionRegistry& r);
void register_regex_functions(FunctionRegistry& r);
void register_bytes_functions(FunctionRegistry& r);

}  // namespace sluice::sql
