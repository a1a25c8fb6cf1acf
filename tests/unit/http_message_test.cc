#include "applayer/http/http_message.h"

#include <gtest/gtest.h>

#include "applayer/http/http_buffers.h"

namespace picket {
namespace {

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
  EXPECT_EQ(m.get(http_buffers().method), "POST");
  EXPECT_EQ(m.get(http_buffers().raw_uri), "/a%20b/login.php?x=%41");
  EXPECT_EQ(m.get(http_buffers().uri), "/a b/login.php?x=A");
  EXPECT_EQ(m.get(http_buffers().protocol), "HTTP/1.1");
  EXPECT_EQ(m.get(http_buffers().request_line), "POST /a%20b/login.php?x=%41 HTTP/1.1");
  EXPECT_EQ(m.get(http_buffers().host), "www.example.com");
  EXPECT_EQ(m.get(http_buffers().raw_host), "WWW.Example.com");
  EXPECT_EQ(m.get(http_buffers().user_agent), "sqlmap/1.7");
  EXPECT_EQ(m.get(http_buffers().cookie), "s=1");
  EXPECT_EQ(m.get(http_buffers().content_len), "9");
  EXPECT_EQ(m.get(http_buffers().header),
            "Host: WWW.Example.com\r\nUser-Agent: sqlmap/1.7\r\nCookie: s=1\r\nContent-Length: 9\r\n");
  EXPECT_EQ(m.get(http_buffers().header_names), "\r\nHost\r\nUser-Agent\r\nCookie\r\nContent-Length\r\n\r\n");
  EXPECT_EQ(m.get(http_buffers().request_body), "user=root");
  EXPECT_EQ(m.get(http_buffers().file_data), "user=root");
  EXPECT_FALSE(m.has(http_buffers().response_body));
  EXPECT_EQ(m.get(http_buffers().start), p.substr(0, p.size() - 9));
}

TEST(HttpMessage, ResponseBuffers) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("HTTP/1.0 200 OK\r\nServer: ng1nx\r\nLocation: /x\r\n\r\n<html>"));
  EXPECT_TRUE(m.response);
  EXPECT_EQ(m.get(http_buffers().stat_code), "200");
  EXPECT_EQ(m.get(http_buffers().stat_msg), "OK");
  EXPECT_EQ(m.get(http_buffers().response_line), "HTTP/1.0 200 OK");
  EXPECT_EQ(m.get(http_buffers().server), "ng1nx");
  EXPECT_EQ(m.get(http_buffers().response_body), "<html>");
  EXPECT_FALSE(m.has(http_buffers().method));
}

TEST(HttpMessage, HeadersCutByThePacketEndHaveNoBody) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("GET / HTTP/1.1\nHost: a\nAccept: */*"));
  EXPECT_EQ(m.get(http_buffers().accept), "*/*");
  EXPECT_FALSE(m.has(http_buffers().file_data));
}

TEST(HttpMessage, NotHttp) {
  HttpMessage m;
  for (const char* p : {"", "hello world\r\n", "POST /\r\n", "HTTP/1.1 OK\r\n", "GET / HTTP/1.1",
                        "GET / HTTP/x\r\n", "SSH-2.0-OpenSSH\r\n", "\x16\x03\x01\x02\x00\r\n"}) {
    EXPECT_FALSE(m.parse(p)) << p;
    EXPECT_FALSE(m.has(http_buffers().header));
  }
}

// The request forms servers accept, as libhtp parses them.
TEST(HttpMessage, LenientRequestLines) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("get /a HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(m.get(http_buffers().method), "get");
  ASSERT_TRUE(m.parse("GET\t/etc/passwd\tHTTP/1.0\r\n\r\n"));
  EXPECT_EQ(m.get(http_buffers().uri), "/etc/passwd");
  EXPECT_EQ(m.get(http_buffers().protocol), "HTTP/1.0");
  ASSERT_TRUE(m.parse("GET  /x   HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(m.get(http_buffers().raw_uri), "/x");
  ASSERT_TRUE(m.parse("GET /etc/passwd\r\n"));  // HTTP/0.9
  EXPECT_TRUE(m.complete);
  EXPECT_EQ(m.get(http_buffers().uri), "/etc/passwd");
  EXPECT_FALSE(m.has(http_buffers().protocol));
}

TEST(HttpMessage, Completeness) {
  HttpMessage m;
  ASSERT_TRUE(m.parse("GET / HTTP/1.1\r\nHost: a\r\n"));
  EXPECT_FALSE(m.complete);  // no blank line yet
  ASSERT_TRUE(m.parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(m.complete);
  ASSERT_TRUE(m.parse("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab"));
  EXPECT_FALSE(m.complete);
  ASSERT_TRUE(m.parse("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd"));
  EXPECT_TRUE(m.complete);
  ASSERT_TRUE(m.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"));
  EXPECT_FALSE(m.complete);
  ASSERT_TRUE(m.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"));
  EXPECT_TRUE(m.complete);
  EXPECT_EQ(m.get(http_buffers().file_data), "ab");
  ASSERT_TRUE(m.parse("HTTP/1.0 200 OK\r\n\r\nto the close"));
  EXPECT_FALSE(m.complete);  // a response without a length runs to the connection's close
  EXPECT_TRUE(HttpMessage::may_start("GE"));
  EXPECT_TRUE(HttpMessage::may_start("GET /etc/pa"));
  EXPECT_FALSE(HttpMessage::may_start("\x16\x03"));
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
  EXPECT_EQ(m.get(http_buffers().method), "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF");
  EXPECT_FALSE(m.parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\n\r\n"));  // 33: not a method
  EXPECT_FALSE(m.parse("\x16\x03\x01\x00\x05hello"));
  EXPECT_FALSE(m.parse("EHLO-x mail.example\r\n"));
}

}  // namespace
}  // namespace picket
