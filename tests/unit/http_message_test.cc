#include "applayer/http/http_message.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

using rules::Buffer;

TEST(HttpMessage, RequestBuffers) {
  HttpMessage m;
  std::string p =
      "POST /a%20b/login.php?x=%41 HTTP/1.1\r\n"
      "Host: WWW.Example.com\r\n"
      "User-Agent:  sqlmap/1.7  \r\n"
      "Cookie: s=1\r\n"
      "Content-Length: 9\r\n"
      "\r\n"
      "user=root";
  ASSERT_TRUE(m.parse(p));
  EXPECT_TRUE(m.request);
  EXPECT_EQ(m.get(Buffer::kHttpMethod), "POST");
  EXPECT_EQ(m.get(Buffer::kHttpRawUri), "/a%20b/login.php?x=%41");
  EXPECT_EQ(m.get(Buffer::kHttpUri), "/a b/login.php?x=A");
  EXPECT_EQ(m.get(Buffer::kHttpProtocol), "HTTP/1.1");
  EXPECT_EQ(m.get(Buffer::kHttpRequestLine), "POST /a%20b/login.php?x=%41 HTTP/1.1");
  EXPECT_EQ(m.get(Buffer::kHttpHost), "www.example.com");
  EXPECT_EQ(m.get(Buffer::kHttpRawHost), "WWW.Example.com");
  EXPECT_EQ(m.get(Buffer::kHttpUserAgent), "sqlmap/1.7");
  EXPECT_EQ(m.get(Buffer::kHttpCookie), "s=1");
  EXPECT_EQ(m.get(Buffer::kHttpContentLen), "9");
  EXPECT_EQ(m.get(Buffer::kHttpHeader),
            "Host: WWW.Example.com\r\nUser-Agent: sqlmap/1.7\r\nCookie: s=1\r\nContent-Length: 9\r\n");
  EXPECT_EQ(m.get(Buffer::kHttpHeaderNames), "\r\nHost\r\nUser-Agent\r\nCookie\r\nContent-Length\r\n\r\n");
  EXPECT_EQ(m.get(Buffer::kHttpRequestBody), "user=root");
  EXPECT_EQ(m.get(Buffer::kFileData), "user=root");
  EXPECT_FALSE(m.has(Buffer::kHttpResponseBody));
  EXPECT_EQ(m.get(Buffer::kHttpStart), p.substr(0, p.size() - 9));
}

TEST(HttpMessage, ResponseBuffers) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("HTTP/1.0 200 OK\r\nServer: ng1nx\r\nLocation: /x\r\n\r\n<html>"));
  EXPECT_TRUE(m.response);
  EXPECT_EQ(m.get(Buffer::kHttpStatCode), "200");
  EXPECT_EQ(m.get(Buffer::kHttpStatMsg), "OK");
  EXPECT_EQ(m.get(Buffer::kHttpResponseLine), "HTTP/1.0 200 OK");
  EXPECT_EQ(m.get(Buffer::kHttpServer), "ng1nx");
  EXPECT_EQ(m.get(Buffer::kHttpResponseBody), "<html>");
  EXPECT_FALSE(m.has(Buffer::kHttpMethod));
}

TEST(HttpMessage, HeadersCutByThePacketEndHaveNoBody) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("GET / HTTP/1.1\nHost: a\nAccept: */*"));
  EXPECT_EQ(m.get(Buffer::kHttpAccept), "*/*");
  EXPECT_FALSE(m.has(Buffer::kFileData));
}

TEST(HttpMessage, NotHttp) {
  HttpMessage m;
  for (const char* p : {"", "hello world\r\n", "get / HTTP/1.1\r\n", "GET /\r\n", "HTTP/1.1 OK\r\n",
                        "GET / HTTP/1.1", "SSH-2.0-OpenSSH\r\n", "\x16\x03\x01\x02\x00\r\n"}) {
    EXPECT_FALSE(m.parse(p)) << p;
    EXPECT_FALSE(m.has(Buffer::kHttpHeader));
  }
}

}  // namespace
}  // namespace picket

#include "rules/classification.h"

namespace picket::rules {
namespace {

TEST(Classifications, ParsesAndRefusesBadPriorities) {
  Classifications c;
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(c.parse("# comment\nconfig classification: trojan-activity,A Network Trojan was detected,1\n", "c", errors));
  ASSERT_NE(c.find("trojan-activity"), nullptr);
  EXPECT_EQ(c.find("trojan-activity")->priority, 1);
  EXPECT_EQ(c.find("trojan-activity")->description, "A Network Trojan was detected");
  Classifications bad;
  EXPECT_FALSE(bad.parse("config classification: a,b,-996124180999\nconfig classification: c,d,0\nclassification x\n",
                         "bad", errors));
  ASSERT_EQ(errors.size(), 3u);  // found by fuzzing: the first once overflowed
  EXPECT_EQ(errors[0].location.line, 1u);
  EXPECT_EQ(bad.size(), 0u);
}

}  // namespace
}  // namespace picket::rules

namespace picket {
namespace {

TEST(HttpMessage, LongMethodsAndNonHttpFirstBytes) {
  HttpMessage m;
  EXPECT_TRUE(m.parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF / HTTP/1.1\r\n\r\n"));  // 32 letters
  EXPECT_EQ(m.get(rules::Buffer::kHttpMethod), "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF");
  EXPECT_FALSE(m.parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\n\r\n"));  // 33: not a method
  EXPECT_FALSE(m.parse("\x16\x03\x01\x00\x05hello"));
  EXPECT_FALSE(m.parse("EHLO-x mail.example\r\n"));
}

}  // namespace
}  // namespace picket
