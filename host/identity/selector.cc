#include "identity/selector.h"

#include "identity/spiffe_id.h"

namespace picket {

IdentitySelector IdentitySelector::parse(std::string_view text, std::optional<Error>& error) {
  error.reset();
  IdentitySelector s;
  if (text == "any") return s;
  if (text == "world") {
    s.kind = Kind::kWorld;
    return s;
  }
  if (text == "unknown") {
    s.kind = Kind::kUnknown;
    return s;
  }
  std::string_view id = text;
  s.kind = Kind::kExact;
  if (text.size() >= 2 && text.substr(text.size() - 2) == "/*") {
    s.kind = Kind::kPrefix;
    id = text.substr(0, text.size() - 2);
  }
  if (id.find('*') != std::string_view::npos) {
    error = Error{id.find('*'), "'*' is allowed only as the last path segment (\".../*\")"};
    return s;
  }
  if (auto e = check_spiffe_id(id)) {
    if (id.substr(0, 9) != "spiffe://") {
      error = Error{0, "expected any, world, unknown, a SPIFFE ID or a SPIFFE ID prefix ending in /*"};
    } else {
      error = Error{e->offset, e->message};
    }
    return s;
  }
  s.id = std::string(id);
  return s;
}

bool IdentitySelector::matches(std::string_view spiffe_id, std::string_view reserved) const {
  switch (kind) {
    case Kind::kAny: return true;
    case Kind::kWorld: return spiffe_id.empty() && reserved == "world";
    case Kind::kUnknown: return spiffe_id.empty() && reserved == "unknown";
    case Kind::kExact: return spiffe_id == id;
    case Kind::kPrefix:
      return spiffe_id.size() > id.size() + 1 && spiffe_id.substr(0, id.size()) == id &&
             spiffe_id[id.size()] == '/';
  }
  return false;
}

std::string IdentitySelector::to_string() const {
  switch (kind) {
    case Kind::kAny: return "any";
    case Kind::kWorld: return "world";
    case Kind::kUnknown: return "unknown";
    case Kind::kExact: return id;
    case Kind::kPrefix: return id + "/*";
  }
  return {};
}

}  // namespace picket
