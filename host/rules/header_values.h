// The address and port fields of a rule header:
//
//   address:  any | 10.0.0.1 | 10.0.0.0/8 | 10.0.0.0/255.0.0.0 | 10.0.0.1-10.0.0.9 | 2001:db8::/32
//   port:     any | 80 | 1024:65535 | 1024: | :1023
//   either:   $VARIABLE | !item | [item, item, ...]
//
// A list is the union of its items less the union of its negated items ("[10.0.0.0/8,
// !10.1.0.0/16]"); a list of negations alone is everything less them. A top-level "!" is the
// complement. Variables expand to their text, parsed the same way, to any depth without cycles.
#pragma once

#include <string_view>

#include "rules/rule.h"
#include "rules/variables.h"

namespace picket::rules {

// Throw ParseError (offset into `text` + `base`) or UnsupportedRule for an undefined variable.
AddressSet parse_address_field(std::string_view text, size_t base, const Variables& vars);
PortSet parse_port_field(std::string_view text, size_t base, const Variables& vars);

// A rule that is well formed but uses something Picket does not support: skipped, not broken.
class UnsupportedRule : public ParseError {
 public:
  UnsupportedRule(size_t at, std::string message, std::string why)
      : ParseError(at, std::move(message)), reason(std::move(why)) {}
  std::string reason;  // the key it is counted under
};

}  // namespace picket::rules
