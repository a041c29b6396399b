// Higher-order functions with lambdas: TRANSFORM, FILTER and REDUCE over arrays and maps.
//
//   TRANSFORM(array, x => e)                 ARRAY<type(e)>
//   TRANSFORM(map, (k, v) => ek, (k, v) => ev) MAP<type(ek), type(ev)>
//   FILTER(array, x => bool)                 the array's type
//   FILTER(map, (k, v) => bool)              the map's type
//   REDUCE(array, init, (s, x) => e)         type(init); e is cast to it
//   REDUCE(map, init, (s, k, v) => e)        type(init)
//
// Lambda parameters are numbered across nesting levels (the outer lambda's first); a kLambdaCall
// node's `column` is the number of its first parameter, so the executor can lay the parameters
// out as extra batch columns after the enclosing ones.
#include <fmt/format.h>

#include "sql/parser/formatter.h"
#include "sql/planner/binder.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;

Result<BoundExprPtr> ExprBinder::bind_lambda_call(const FunctionCall& f) {
  bool reduce = f.name == "REDUCE";
  size_t min_args = reduce ? 3 : 2;
  if (f.args.size() < min_args || f.args.size() > 3) {
    return error(f,
                 fmt::format("Function '{}' does not accept {} arguments", f.name, f.args.size()));
  }
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr coll, bind_typed(*f.args[0]));
  bool is_map = coll->type.id() == TypeId::kMap;
  if (!is_map && coll->type.id() != TypeId::kArray) {
    return error(f, fmt::format("Function '{}' expects an ARRAY or a MAP as its first argument, "
                                "got {}",
                                f.name, coll->type.to_string()));
  }
  BoundExprPtr init;
  size_t first_lambda = 1;
  if (reduce) {
    SLUICE_ASSIGN_OR_RETURN(init, bind_typed(*f.args[1]));
    first_lambda = 2;
  }
  size_t lambdas = f.args.size() - first_lambda;
  bool transform_map = f.name == "TRANSFORM" && is_map;
  if (lambdas != (transform_map ? 2u : 1u)) {
    return error(f, fmt::format("Function '{}' takes {} lambda{} here", f.name,
                                transform_map ? 2 : 1, transform_map ? "s" : ""));
  }
  std::vector<Type> param_types;
  if (reduce) param_types.push_back(init->type);
  if (is_map) {
    param_types.push_back(coll->type.key());
    param_types.push_back(coll->type.value());
  } else {
    param_types.push_back(coll->type.element());
  }

  auto node = std::make_unique<BoundExpr>();
  node->kind = BoundKind::kLambdaCall;
  node->name = f.name;
  node->pos = f.pos;
  node->column = static_cast<int>(lambda_params_.size());
  node->children.push_back(std::move(coll));
  if (init) node->children.push_back(std::move(init));
  std::vector<Type> body_types;
  for (size_t i = first_lambda; i < f.args.size(); ++i) {
    const auto* lambda = f.args[i]->if_as<Lambda>();
    if (!lambda) return error(*f.args[i], fmt::format("Expected a lambda in {}", f.name));
    if (lambda->params.size() != param_types.size()) {
      return error(*f.args[i], fmt::format("Lambda in {} must take {} parameter{}", f.name,
                                           param_types.size(), param_types.size() == 1 ? "" : "s"));
    }
    size_t depth = lambda_params_.size();
    for (size_t p = 0; p < param_types.size(); ++p) {
      lambda_params_.emplace_back(lambda->params[p], param_types[p]);
    }
    auto body = bind_typed(*lambda->body);
    lambda_params_.resize(depth);
    if (!body) return body.status();
    body_types.push_back((*body)->type);
    BoundExprPtr b = std::move(*body);
    if (f.name == "FILTER" && b->type.id() != TypeId::kBoolean) {
      return error(*lambda->body,
                   fmt::format("FILTER's lambda must return BOOLEAN, not {}", b->type.to_string()));
    }
    if (reduce) {
      if (b->type != param_types[0] && !format::can_implicitly_cast(b->type, param_types[0])) {
        return error(*lambda->body,
                     fmt::format("REDUCE's lambda returns {}, but the initial state is {}",
                                 b->type.to_string(), param_types[0].to_string()));
      }
      SLUICE_ASSIGN_OR_RETURN(b, add_cast(std::move(b), param_types[0]));
    }
    node->children.push_back(std::move(b));
  }
  const Type& ct = node->children[0]->type;
  if (f.name == "TRANSFORM") {
    node->type = is_map ? Type::map(body_types[0], body_types[1]) : Type::array(body_types[0]);
  } else if (f.name == "FILTER") {
    node->type = ct;
  } else {
    node->type = param_types[0];
  }
  return node;
}

}  // namespace sluice::sql
