// ARRAY and MAP functions, and the EXPLODE table function. Generic in their element types, so
// they bind with custom binders and compute on boxed values.
#include <algorithm>

#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;
using format::Value;

namespace {

using BoxedFn = std::function<std::optional<Value>(std::span<const Value>, const BoundFunction&)>;

// An overload over one ARRAY (or MAP) argument plus fixed extra parameters; `ret` computes the
// return type from the collection type.
CustomBinder collection_binder(TypeId kind, std::vector<Type> extra,
                               std::function<Type(const Type&)> ret, BoxedFn fn,
                               bool null_on_null = true) {
  return [=, extra = std::move(extra), ret = std::move(ret), fn = std::move(fn)](
             std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
    if (args.size() != 1 + extra.size()) return std::nullopt;
    if (args[0].null_literal || args[0].type.id() != kind) return std::nullopt;
    for (size_t i = 0; i < extra.size(); ++i) {
      const ArgInfo& a = args[i + 1];
      if (!a.null_literal && !format::can_implicitly_cast(a.type, extra[i])) return std::nullopt;
    }
    BoundFunction f;
    f.param_types.push_back(args[0].type);
    for (const Type& t : extra) f.param_types.push_back(t);
    f.return_type = ret(args[0].type);
    f.kernel = boxed_kernel(fn, null_on_null);
    return Result<BoundFunction>(std::move(f));
  };
}

int compare_values(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? 1 : -1);
  switch (a.type().id()) {
    case TypeId::kString:
    case TypeId::kBytes:
      return a.as_string().compare(b.as_string());
    case TypeId::kDouble:
      return a.as_double() < b.as_double() ? -1 : (a.as_double() > b.as_double() ? 1 : 0);
    case TypeId::kDecimal:
      return a.as_decimal() < b.as_decimal() ? -1 : (a.as_decimal() > b.as_decimal() ? 1 : 0);
    case TypeId::kBoolean:
    case TypeId::kInteger:
    case TypeId::kBigint:
    case TypeId::kTimestamp:
    case TypeId::kDate:
    case TypeId::kTime:
      return a.as_bigint() < b.as_bigint() ? -1 : (a.as_bigint() > b.as_bigint() ? 1 : 0);
    default:
      return a.to_string().compare(b.to_string());
  }
}

}  // namespace

void register_collection_functions(FunctionRegistry& r) {
  auto same = [](const Type& t) { return t; };
  auto element = [](const Type& t) { return t.element(); };
  r.add_custom("ARRAY_LENGTH", collection_binder(
                                   TypeId::kArray, {}, [](const Type&) { return Type::integer(); },
                                   [](std::span<const Value> a, const BoundFunction&) {
                                     return std::optional<Value>(Value::integer(
                                         static_cast<int32_t>(a[0].elements().size())));
                                   }));
  r.add_custom("ARRAY_CONTAINS",
               [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
                 if (args.size() != 2 || args[0].type.id() != TypeId::kArray) return std::nullopt;
                 BoundFunction f;
                 f.param_types = {args[0].type, args[0].type.element()};
                 f.return_type = Type::boolean();
                 f.kernel = boxed_kernel(
                     [](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
                       if (a[0].is_null()) return Value::boolean(false);
                       for (const Value& e : a[0].elements()) {
                         if (e == a[1]) return Value::boolean(true);
                       }
                       return Value::boolean(false);
                     },
                     false);
                 return Result<BoundFunction>(std::move(f));
               });
  auto sort_fn = [](bool descending) {
    return [descending](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
      std::vector<Value> els = a[0].elements();
      std::stable_sort(els.begin(), els.end(), [&](const Value& x, const Value& y) {
        if (x.is_null() || y.is_null()) return !x.is_null() && y.is_null();  // NULLs last
        int c = compare_values(x, y);
        return descending ? c > 0 : c < 0;
      });
      return Value::array(a[0].type().element(), std::move(els));
    };
  };
  r.add_custom("ARRAY_SORT", collection_binder(TypeId::kArray, {}, same, sort_fn(false)));
  r.add_custom("ARRAY_SORT",
               [sort_fn](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
                 if (args.size() != 2 || args[0].type.id() != TypeId::kArray) return std::nullopt;
                 BoundFunction f;
                 f.param_types = {args[0].type, Type::string()};
                 f.return_type = args[0].type;
                 // ksqlDB: ASC/ASCENDING or DESC/DESCENDING in any case; another direction
                 // gives NULL.
                 f.kernel =
                     boxed_kernel([sort_fn](std::span<const Value> a,
                                            const BoundFunction& fn) -> std::optional<Value> {
                       std::string dir = a[1].as_string();
                       for (char& c : dir)
                         c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                       bool desc = dir == "DESC" || dir == "DESCENDING";
                       if (!desc && dir != "ASC" && dir != "ASCENDING")
                         return Value::null(a[0].type());
                       return sort_fn(desc)(a, fn);
                     });
                 return Result<BoundFunction>(std::move(f));
               });
  r.add_custom(
      "ARRAY_DISTINCT",
      collection_binder(
          TypeId::kArray, {}, same, [](std::span<const Value> a, const BoundFunction&) {
            std::vector<Value> out;
            for (const Value& e : a[0].elements()) {
              if (std::find(out.begin(), out.end(), e) == out.end()) {
                out.push_back(e);
              }
            }
            return std::optional<Value>(Value::array(a[0].type().element(), std::move(out)));
          }));
  for (bool max : {true, false}) {
    r.add_custom(
        max ? "ARRAY_MAX" : "ARRAY_MIN",
        collection_binder(
            TypeId::kArray, {}, element, [max](std::span<const Value> a, const BoundFunction&) {
              std::optional<Value> best;
              for (const Value& e : a[0].elements()) {
                if (e.is_null()) continue;
                if (!best || (max ? compare_values(e, *best) > 0 : compare_values(e, *best) < 0)) {
                  best = e;
                }
              }
              return std::optional<Value>(best ? *best : Value::null(a[0].type().element()));
            }));
  }
  r.add_custom(
      "ARRAY_JOIN", [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
        if (args.empty() || args.size() > 2 || args[0].type.id() != TypeId::kArray) {
          return std::nullopt;
        }
        BoundFunction f;
        f.param_types = {args[0].type};
        if (args.size() == 2) f.param_types.push_back(Type::string());
        f.return_type = Type::string();
        // ksqlDB: a NULL delimiter joins with nothing; elements must be primitive (a
        // nested collection fails the call); a NULL element is "null".
        TypeId el = args[0].type.element().id();
        bool primitive = el != TypeId::kArray && el != TypeId::kMap && el != TypeId::kStruct;
        f.kernel = boxed_kernel(
            [primitive](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
              if (a[0].is_null()) return Value::null(Type::string());
              if (!primitive) return std::nullopt;
              std::string sep = a.size() > 1 ? (a[1].is_null() ? "" : a[1].as_string()) : ",";
              std::string out;
              bool first = true;
              for (const Value& e : a[0].elements()) {
                if (!first) out += sep;
                first = false;
                out += e.to_string();
              }
              return Value::string(out);
            },
            false);
        return Result<BoundFunction>(std::move(f));
      });
  auto map_part = [](bool keys) {
    return collection_binder(
        TypeId::kMap, {}, [keys](const Type& t) { return Type::array(keys ? t.key() : t.value()); },
        [keys](std::span<const Value> a, const BoundFunction&) {
          const Type& t = a[0].type();
          return std::optional<Value>(
              Value::array(keys ? t.key() : t.value(), keys ? a[0].map_keys() : a[0].map_values()));
        });
  };
  r.add_custom("MAP_KEYS", map_part(true));
  r.add_custom("MAP_VALUES", map_part(false));
  r.add_custom(
      "MAP_UNION", [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
        if (args.size() != 2) return std::nullopt;
        const Type& t = args[0].null_literal ? args[1].type : args[0].type;
        if (t.id() != TypeId::kMap) return std::nullopt;
        BoundFunction f;
        f.param_types = {t, t};
        f.return_type = t;
        f.kernel = boxed_kernel(
            [](std::span<const Value> a, const BoundFunction& fn) -> std::optional<Value> {
              if (a[0].is_null() && a[1].is_null()) return Value::null(fn.return_type);
              std::vector<std::pair<Value, Value>> entries;
              for (const Value& m : a) {
                if (m.is_null()) continue;
                for (size_t i = 0; i < m.map_keys().size(); ++i) {
                  auto it = std::find_if(entries.begin(), entries.end(),
                                         [&](const auto& e) { return e.first == m.map_keys()[i]; });
                  if (it != entries.end()) {
                    it->second = m.map_values()[i];
                  } else {
                    entries.emplace_back(m.map_keys()[i], m.map_values()[i]);
                  }
                }
              }
              return Value::map(fn.return_type.key(), fn.return_type.value(), std::move(entries));
            },
            false);
        return Result<BoundFunction>(std::move(f));
      });
  // EXPLODE(array): the planner expands rows; the kernel is never run.
  r.add_table_function("EXPLODE",
                       [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
                         if (args.size() != 1 || args[0].type.id() != TypeId::kArray)
                           return std::nullopt;
                         BoundFunction f;
                         f.param_types = {args[0].type};
                         f.return_type = args[0].type.element();
                         f.kernel = [](KernelContext& ctx) {
                           for (uint32_t row : ctx.rows) set_null_row(ctx.out, row);
                         };
                         return Result<BoundFunction>(std::move(f));
                       });
}

}  // namespace sluice::sql
