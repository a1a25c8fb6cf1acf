#include "rules/header_values.h"

#include <gtest/gtest.h>

namespace picket::rules {
namespace {

uint128 ip(const char* s) { return IpAddress::parse(s)->value(); }

Variables vars() {
  Variables v;
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(v.parse("HOME_NET=[10.0.0.0/8,192.168.0.0/16]\nEXTERNAL_NET=!$HOME_NET\n"
                      "WEB=[$HOME_NET,!10.9.0.0/16]\nHTTP_PORTS=[80,8080:8088]\nLOOP=$LOOP\n",
                      "vars", errors));
  return v;
}

TEST(Addresses, SingleCidrNetmaskRangeAndIpv6) {
  Variables v = vars();
  AddressSet one = parse_address_field("10.1.2.3", 0, v);
  EXPECT_TRUE(one.contains(ip("10.1.2.3")));
  EXPECT_FALSE(one.contains(ip("10.1.2.4")));

  AddressSet cidr = parse_address_field("10.1.0.0/16", 0, v);
  EXPECT_TRUE(cidr.contains(ip("10.1.255.255")));
  EXPECT_FALSE(cidr.contains(ip("10.2.0.0")));
  EXPECT_EQ(parse_address_field("10.1.0.0/255.255.0.0", 0, v), cidr);

  AddressSet range = parse_address_field("10.0.0.5-10.0.0.9", 0, v);
  EXPECT_TRUE(range.contains(ip("10.0.0.9")));
  EXPECT_FALSE(range.contains(ip("10.0.0.10")));

  AddressSet v6 = parse_address_field("2001:db8::/32", 0, v);
  EXPECT_TRUE(v6.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.contains(ip("2001:db9::1")));
  EXPECT_FALSE(v6.contains(ip("10.0.0.1")));
}

TEST(Addresses, ListsNegationAndVariables) {
  Variables v = vars();
  AddressSet home = parse_address_field("$HOME_NET", 0, v);
  EXPECT_TRUE(home.contains(ip("192.168.1.1")));
  EXPECT_FALSE(home.contains(ip("8.8.8.8")));

  AddressSet external = parse_address_field("$EXTERNAL_NET", 0, v);
  EXPECT_TRUE(external.contains(ip("8.8.8.8")));
  EXPECT_TRUE(external.contains(ip("2001:db8::1")));  // "not home" includes IPv6
  EXPECT_FALSE(external.contains(ip("10.1.1.1")));

  AddressSet web = parse_address_field("$WEB", 0, v);
  EXPECT_TRUE(web.contains(ip("10.8.0.1")));
  EXPECT_FALSE(web.contains(ip("10.9.0.1")));

  AddressSet only_negations = parse_address_field("[!10.0.0.1, !10.0.0.2]", 0, v);
  EXPECT_TRUE(only_negations.contains(ip("10.0.0.3")));
  EXPECT_FALSE(only_negations.contains(ip("10.0.0.2")));

  EXPECT_TRUE(parse_address_field("any", 0, v).is_all());
  EXPECT_TRUE(parse_address_field("!any", 0, v).empty());
}

TEST(Addresses, ErrorsNameTheOffendingItem) {
  Variables v = vars();
  try {
    parse_address_field("[10.0.0.1,10.0.0.300]", 100, v);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.offset, 110u);
    EXPECT_NE(std::string(e.what()).find("'10.0.0.300' is not an address"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_address_field("10.0.0.0/33", 0, v), ParseError);
  EXPECT_THROW(parse_address_field("[10.0.0.1", 0, v), ParseError);
  EXPECT_THROW(parse_address_field("10.0.0.9-10.0.0.1", 0, v), ParseError);
  try {
    parse_address_field("$NOPE", 7, v);
    FAIL();
  } catch (const UnsupportedRule& e) {
    EXPECT_EQ(e.reason, "undefined variable");
    EXPECT_EQ(e.offset, 7u);
  }
  try {
    parse_address_field("$LOOP", 0, v);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("nests too deep"), std::string::npos) << e.what();
  }
}

// 50,000 nested lists or negations once overflowed the parser's stack and killed picketd;
// past the nesting limit they are an error naming where, at any depth.
TEST(Addresses, DeepNestingIsAnErrorNotACrash) {
  Variables v = vars();
  for (std::string open : {"[", "!", "[!"}) {
    std::string deep;
    for (int i = 0; i < 50'000; ++i) deep += open;
    deep += "10.0.0.1";
    try {
      parse_address_field(deep, 0, v);
      FAIL() << open;
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("nest deeper than 32"), std::string::npos) << e.what();
      EXPECT_LE(e.offset, 64u);
    }
    EXPECT_THROW(parse_port_field(std::string(50'000, open[0]) + "80", 0, v), ParseError);
  }
  // What real rule sets write still parses.
  AddressSet nested = parse_address_field("[[10.9.0.0/16,![10.9.1.0/24]],![[10.9.3.0/24]]]", 0, v);
  EXPECT_TRUE(nested.contains(ip("10.9.2.1")));
  EXPECT_FALSE(nested.contains(ip("10.9.1.1")));
  EXPECT_FALSE(nested.contains(ip("10.9.3.1")));
}

TEST(Ports, NumbersRangesListsNegationVariables) {
  Variables v = vars();
  PortSet p = parse_port_field("$HTTP_PORTS", 0, v);
  EXPECT_TRUE(p.contains(80));
  EXPECT_TRUE(p.contains(8085));
  EXPECT_FALSE(p.contains(443));
  PortSet open_hi = parse_port_field("1024:", 0, v);
  EXPECT_TRUE(open_hi.contains(65535));
  EXPECT_FALSE(open_hi.contains(1023));
  PortSet open_lo = parse_port_field(":1023", 0, v);
  EXPECT_TRUE(open_lo.contains(0));
  EXPECT_FALSE(open_lo.contains(1024));
  PortSet not80 = parse_port_field("!80", 0, v);
  EXPECT_FALSE(not80.contains(80));
  EXPECT_TRUE(not80.contains(81));
  PortSet mixed = parse_port_field("[1:100,!50]", 0, v);
  EXPECT_TRUE(mixed.contains(49));
  EXPECT_FALSE(mixed.contains(50));
  EXPECT_THROW(parse_port_field("70000", 0, v), ParseError);
  EXPECT_THROW(parse_port_field("90:80", 0, v), ParseError);
  EXPECT_THROW(parse_port_field("http", 0, v), ParseError);
}

TEST(Variables, BadLinesAreRefusedWithTheirLineAndNothingIsApplied) {
  Variables v;
  std::vector<Diagnostic> errors;
  EXPECT_FALSE(v.parse("GOOD=1\n# comment\nno equals sign\n9BAD=1\nEMPTY=\n", "my.vars", errors));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].to_string(), "my.vars:3:1: error: expected NAME=value (a variable definition)");
  EXPECT_EQ(errors[1].location.line, 4u);
  EXPECT_EQ(errors[2].location.line, 5u);
  EXPECT_EQ(v.find("GOOD"), nullptr);  // all or nothing
}

TEST(Variables, DefaultsCoverTheUsualNames) {
  Variables v = Variables::defaults();
  for (const char* name : {"HOME_NET", "EXTERNAL_NET", "HTTP_SERVERS", "HTTP_PORTS", "SIP_PORTS", "FILE_DATA_PORTS"}) {
    EXPECT_NE(v.find(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace picket::rules
