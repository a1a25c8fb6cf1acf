#include "rules/header_values.h"

#include <charconv>
#include <string>

namespace picket::rules {
namespace {

constexpr int kMaxVariableDepth = 16;
// Lists and negations inside one another, deepest: real rule sets nest two or three; the limit
// keeps the parser's recursion (and so its stack) small whatever a rule file holds.
constexpr int kMaxNesting = 32;

template <typename Set>
class FieldParser {
 public:
  using ParseItem = Set (*)(std::string_view item, size_t offset);

  FieldParser(std::string_view text, size_t base, const Variables& vars, ParseItem item,
              const char* what, int depth)
      : text_(text), base_(base), vars_(vars), item_(item), what_(what), depth_(depth) {}

  Set parse_all() {
    skip_spaces();
    Set s = element();
    skip_spaces();
    if (pos_ != text_.size()) fail(pos_, std::string("unexpected '") + text_[pos_] + "' in " + what_);
    return s;
  }

 private:
  [[noreturn]] void fail(size_t at, std::string message) const {
    throw ParseError(base_ + at, std::move(message));
  }
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  Set element() {
    skip_spaces();
    if (pos_ >= text_.size()) fail(pos_, std::string("expected ") + what_);
    if (text_[pos_] == '!' || text_[pos_] == '[') {
      if (nesting_ >= kMaxNesting) {
        fail(pos_, "lists and negations nest deeper than " + std::to_string(kMaxNesting) + " in " + what_);
      }
      ++nesting_;
      Set s = text_[pos_] == '!' ? (++pos_, element().complement()) : list();
      --nesting_;
      return s;
    }
    if (text_[pos_] == '$') return variable();
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != ' ' &&
           text_[pos_] != '\t') {
      ++pos_;
    }
    std::string_view item = text_.substr(start, pos_ - start);
    if (item.empty()) fail(start, std::string("expected ") + what_);
    if (item == "any") return Set::all();
    return item_(item, base_ + start);
  }

  Set list() {
    size_t open = pos_++;
    Set include, exclude;
    bool any_positive = false;
    for (;;) {
      skip_spaces();
      if (pos_ >= text_.size()) fail(open, "unclosed '[' in " + std::string(what_));
      bool negated = false;
      if (text_[pos_] == '!') {
        negated = true;
        ++pos_;
      }
      Set s = element();  // counted as nesting by element() when it opens a list or a negation
      if (negated) {
        exclude = exclude.unite(s);
      } else {
        include = include.unite(s);
        any_positive = true;
      }
      skip_spaces();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        break;
      }
      fail(pos_, std::string("expected ',' or ']' in ") + what_ + " list");
    }
    if (!any_positive) include = Set::all();
    return include.minus(exclude);
  }

  Set variable() {
    size_t start = pos_++;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != ' ') ++pos_;
    std::string_view name = text_.substr(start + 1, pos_ - start - 1);
    const std::string* value = vars_.find(name);
    if (!value) {
      throw UnsupportedRule(base_ + start, "undefined variable $" + std::string(name),
                            "undefined variable");
    }
    if (depth_ >= kMaxVariableDepth) {
      fail(start, "variable $" + std::string(name) + " nests too deep (does it refer to itself?)");
    }
    try {
      FieldParser inner(*value, 0, vars_, item_, what_, depth_ + 1);
      return inner.parse_all();
    } catch (const UnsupportedRule& e) {
      throw UnsupportedRule(base_ + start, "in $" + std::string(name) + ": " + e.what(), e.reason);
    } catch (const ParseError& e) {
      throw ParseError(base_ + start, "in $" + std::string(name) + " (" + quote(*value) + "): " + e.what());
    }
  }

  std::string_view text_;
  size_t base_;
  const Variables& vars_;
  ParseItem item_;
  const char* what_;
  int depth_;
  int nesting_ = 0;
  size_t pos_ = 0;
};

bool parse_uint(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

AddressSet cidr(const IpAddress& a, int prefix_bits) {
  uint128 v = a.value();
  uint128 host_mask = prefix_bits >= 128 ? 0 : (~uint128{0} >> prefix_bits);
  return AddressSet::of(v & ~host_mask, v | host_mask);
}

AddressSet parse_address_item(std::string_view item, size_t offset) {
  auto bad = [&](const std::string& why) -> ParseError {
    return ParseError(offset, quote(item) + " is not an address: " + why);
  };
  if (size_t dash = item.find('-'); dash != std::string_view::npos) {
    auto lo = IpAddress::parse(item.substr(0, dash));
    auto hi = IpAddress::parse(item.substr(dash + 1));
    if (!lo || !hi || lo->is_v4() != hi->is_v4()) throw bad("expected FIRST-LAST of one family");
    if (hi->value() < lo->value()) throw bad("range ends before it starts");
    return AddressSet::of(lo->value(), hi->value());
  }
  size_t slash = item.find('/');
  auto addr = IpAddress::parse(item.substr(0, slash));
  if (!addr) throw bad("expected an IPv4 or IPv6 address, a CIDR prefix or 'any'");
  if (slash == std::string_view::npos) return AddressSet::of(addr->value(), addr->value());
  std::string_view len = item.substr(slash + 1);
  uint32_t bits = 0;
  int max_bits = addr->is_v4() ? 32 : 128;
  if (parse_uint(len, bits)) {
    if (bits > static_cast<uint32_t>(max_bits)) throw bad("prefix length above " + std::to_string(max_bits));
    return cidr(*addr, static_cast<int>(bits) + (addr->is_v4() ? kV4MappedPrefixBits : 0));
  }
  auto mask = IpAddress::parse(len);  // dotted netmask, 255.255.0.0
  if (!mask || !mask->is_v4() || !addr->is_v4()) throw bad("expected a prefix length after '/'");
  uint32_t m = mask->v4();
  if (m != 0 && (~m & (~m + 1)) != 0) throw bad("netmask is not contiguous");
  int ones = 0;
  while (ones < 32 && (m & (0x80000000u >> ones))) ++ones;
  return cidr(*addr, ones + kV4MappedPrefixBits);
}

PortSet parse_port_item(std::string_view item, size_t offset) {
  auto bad = [&](const std::string& why) -> ParseError {
    return ParseError(offset, quote(item) + " is not a port: " + why);
  };
  auto number = [&](std::string_view s, uint32_t dflt) {
    if (s.empty()) return dflt;
    uint32_t v = 0;
    if (!parse_uint(s, v)) throw bad("expected a number, a range LOW:HIGH or 'any'");
    if (v > 65535) throw bad("above 65535");
    return v;
  };
  size_t colon = item.find(':');
  if (colon == std::string_view::npos) {
    uint32_t p = number(item, 0);
    return PortSet::of(p, p);
  }
  uint32_t lo = number(item.substr(0, colon), 0);
  uint32_t hi = number(item.substr(colon + 1), 65535);
  if (colon == 0 && item.size() == 1) throw bad("a range needs at least one bound");
  if (hi < lo) throw bad("range ends before it starts");
  return PortSet::of(lo, hi);
}

}  // namespace

AddressSet parse_address_field(std::string_view text, size_t base, const Variables& vars) {
  return FieldParser<AddressSet>(text, base, vars, parse_address_item, "address", 0).parse_all();
}

PortSet parse_port_field(std::string_view text, size_t base, const Variables& vars) {
  return FieldParser<PortSet>(text, base, vars, parse_port_item, "port", 0).parse_all();
}

}  // namespace picket::rules
