#include "sql/catalog/function_registry.h"

#include <fmt/format.h>

namespace sluice::sql {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// 0: exact, 1: through implicit casts, -1: no.
int match_param(const ArgInfo& arg, const format::Type& param) {
  if (arg.null_literal) return 1;
  if (arg.type == param) return 0;
  // Any DECIMAL parameter accepts any DECIMAL or integer argument: ksqlDB's generic decimal.
  if (param.id() == format::TypeId::kDecimal &&
      (arg.type.id() == format::TypeId::kDecimal || arg.type.id() == format::TypeId::kInteger ||
       arg.type.id() == format::TypeId::kBigint)) {
    return 1;
  }
  return format::can_implicitly_cast(arg.type, param) ? 1 : -1;
}

}  // namespace

std::string arg_types_string(std::span<const ArgInfo> args) {
  std::string s = "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += ", ";
    s += args[i].null_literal ? "null" : args[i].type.to_string();
  }
  s += ')';
  return s;
}

void FunctionRegistry::add(std::string_view name, std::vector<format::Type> params,
                           format::Type return_type, ScalarKernel kernel) {
  Overload o;
  o.params = std::move(params);
  o.return_type = std::move(return_type);
  o.kernel = std::move(kernel);
  functions_[upper(name)].overloads.push_back(std::move(o));
}

void FunctionRegistry::add_custom(std::string_view name, CustomBinder binder) {
  Overload o;
  o.binder = std::move(binder);
  functions_[upper(name)].overloads.push_back(std::move(o));
}

void FunctionRegistry::add_table_function(std::string_view name, CustomBinder binder) {
  Entry& e = functions_[upper(name)];
  e.table_function = true;
  Overload o;
  o.binder = std::move(binder);
  e.overloads.push_back(std::move(o));
}

bool FunctionRegistry::contains(std::string_view name) const {
  return functions_.count(upper(name)) > 0;
}

bool FunctionRegistry::is_table_function(std::string_view name) const {
  auto it = functions_.find(upper(name));
  return it != functions_.end() && it->second.table_function;
}

std::vector<FunctionRegistry::Signature> FunctionRegistry::signatures(std::string_view name) const {
  std::vector<Signature> out;
  auto it = functions_.find(upper(name));
  if (it == functions_.end()) return out;
  for (const Overload& o : it->second.overloads) {
    out.push_back({o.params, o.return_type, static_cast<bool>(o.binder)});
  }
  return out;
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : functions_) out.push_back(name);
  return out;
}

Result<BoundFunctionPtr> FunctionRegistry::resolve(std::string_view name,
                                                   std::span<const ArgInfo> args) const {
  std::string key = upper(name);
  auto it = functions_.find(key);
  if (it == functions_.end()) {
    return Status::invalid_argument(
        fmt::format("Can't find any functions with the name '{}'", name));
  }
  const Entry& entry = it->second;
  const Overload* best = nullptr;
  int best_score = 1 << 30;
  for (const Overload& o : entry.overloads) {
    if (o.binder) {
      std::optional<Result<BoundFunction>> r = o.binder(args);
      if (!r) continue;
      if (!r->is_ok()) return r->status();
      auto bound = std::make_shared<BoundFunction>(std::move(r->value()));
      bound->name = key;
      bound->table_function = entry.table_function;
      return BoundFunctionPtr(std::move(bound));
    }
    if (o.params.size() != args.size()) continue;
    int score = 0;
    for (size_t i = 0; i < args.size() && score >= 0; ++i) {
      int m = match_param(args[i], o.params[i]);
      score = m < 0 ? -1 : score + m;
    }
    if (score >= 0 && score < best_score) {
      best = &o;
      best_score = score;
    }
  }
  if (!best) {
    return Status::invalid_argument(
        fmt::format("Function '{}' does not accept parameters {}.", name, arg_types_string(args)));
  }
  auto bound = std::make_shared<BoundFunction>();
  bound->name = key;
  bound->param_types = best->params;
  // A generic DECIMAL parameter takes the argument's own precision and scale.
  for (size_t i = 0; i < args.size(); ++i) {
    if (best->params[i].id() == format::TypeId::kDecimal && !args[i].null_literal) {
      if (auto d = format::to_decimal_type(args[i].type)) bound->param_types[i] = *d;
    }
  }
  bound->return_type = best->return_type;
  bound->kernel = best->kernel;
  bound->table_function = entry.table_function;
  return BoundFunctionPtr(std::move(bound));
}

}  // namespace sluice::sql
