// Variable substitution (`DEFINE name = 'value'` then `${name}`), done on statement text before
// it is parsed, as ksqlDB does.
//
// Thread-safety: free function; no shared state.
//
// References are replaced wherever the lexer sees them: as bare tokens (identifiers, literals)
// and inside string literals and quoted identifiers; comments are left alone. Variable names are
// case-insensitive. The replacement text is inserted verbatim, so `'${topic}'` keeps its quotes
// around the value and a bare `${n}` becomes whatever tokens the value spells.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::sql {

// Keys of `variables` must be upper-cased variable names. An undefined reference is an
// kInvalidArgument error naming it and its position.
Result<std::string> substitute_variables(std::string_view sql,
                                         const std::map<std::string, std::string>& variables);

}  // namespace sluice::sql
