// Binding of value constructors: ARRAY[...], MAP(k := v, ...), STRUCT(f := v, ...) and typed
// literals (TIMESTAMP '...', DATE '...', TIME '...').
#include <fmt/format.h>

#include "sql/functions/cast.h"
#include "sql/parser/formatter.h"
#include "sql/planner/binder.h"

namespace sluice::sql {

using format::Type;
using format::Value;

Result<BoundExprPtr> ExprBinder::bind_constructor(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kArrayCtor: {
      const auto& a = e.as<ArrayCtor>();
      std::vector<BoundExprPtr> els;
      std::optional<Type> type;
      for (const ExprPtr& x : a.elements) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, bind_node(*x));
        if (!is_null_literal(*b)) {
          if (!type) {
            type = b->type;
          } else {
            auto c = format::common_super_type(*type, b->type);
            if (!c) {
              return error(e, fmt::format("invalid input syntax for type {}: \"{}\".",
                                          type->to_string(), to_sql(*x)));
            }
            type = *c;
          }
        }
        els.push_back(std::move(b));
      }
      if (!type) {
        return error(e,
                     "Cannot construct an array with all NULL elements (see "
                     "https://github.com/confluentinc/ksql/issues/4239). As a workaround, you "
                     "may cast a NULL value to the desired type.");
      }
      auto b = make_bound(BoundKind::kArrayCtor, Type::array(*type), e.pos);
      for (auto& x : els) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr c, add_cast(std::move(x), *type));
        b->children.push_back(std::move(c));
      }
      return b;
    }
    case ExprKind::kMapCtor: {
      const auto& m = e.as<MapCtor>();
      std::vector<BoundExprPtr> ks, vs;
      std::optional<Type> kt, vt;
      for (const MapEntry& en : m.entries) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr k, bind_node(*en.key));
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*en.value));
        for (auto [b, t] : {std::pair{k.get(), &kt}, std::pair{v.get(), &vt}}) {
          if (is_null_literal(*b)) continue;
          if (!*t) {
            *t = b->type;
          } else {
            auto c = format::common_super_type(**t, b->type);
            if (!c) return error(e, "Map entries must all have compatible types");
            *t = *c;
          }
        }
        ks.push_back(std::move(k));
        vs.push_back(std::move(v));
      }
      if (!kt || !vt) {
        return error(e, "Cannot construct a map with all NULL keys or values");
      }
      auto b = make_bound(BoundKind::kMapCtor, Type::map(*kt, *vt), e.pos);
      for (size_t i = 0; i < ks.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr k, add_cast(std::move(ks[i]), *kt));
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, add_cast(std::move(vs[i]), *vt));
        b->children.push_back(std::move(k));
        b->children.push_back(std::move(v));
      }
      return b;
    }
    case ExprKind::kStructCtor: {
      const auto& s = e.as<StructCtor>();
      std::vector<format::Field> fields;
      std::vector<BoundExprPtr> vals;
      for (const StructCtorField& f : s.fields) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*f.value));
        if (is_null_literal(*v)) {
          return error(*f.value,
                       "Can't infer a type of null. Please explicitly cast it to a "
                       "required type, e.g. CAST(null AS VARCHAR).");
        }
        fields.push_back({f.name, v->type});
        vals.push_back(std::move(v));
      }
      auto b = make_bound(BoundKind::kStructCtor, Type::struct_(std::move(fields)), e.pos);
      b->children = std::move(vals);
      return b;
    }
    case ExprKind::kTypedLiteral: {
      const auto& t = e.as<TypedLiteral>();
      Type to;
      if (t.type_name == "TIMESTAMP") {
        to = Type::timestamp();
      } else if (t.type_name == "DATE") {
        to = Type::date();
      } else if (t.type_name == "TIME") {
        to = Type::time();
      } else {
        return error(e, fmt::format("Unknown typed literal {}", t.type_name));
      }
      auto v = cast_value(Value::string(t.value), to);
      if (!v) return error(e, v.status().message());
      return make_bound_constant(std::move(*v), e.pos);
    }
    default:
      return error(e, "not a constructor");
  }
}

}  // namespace sluice::sql
