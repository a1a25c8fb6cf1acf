// Urgent data (TCP's URG): the byte an urgent pointer marks is read out of band by most
// receivers' stacks, so an attacker can put a byte between "/etc/pa" and "sswd" that the
// server's application never reads. Each case checks what such a server (or one that reads
// urgent data inline) could read from the segments Picket forwarded.
#include <gtest/gtest.h>

#include "stream_session.h"

namespace picket {
namespace {

using testing_support::Session;

EngineConfig urgent(UrgentPolicy p) {
  EngineConfig c;
  c.stream.urgent = p;
  return c;
}

TEST(StreamUrgent, AnUrgentByteBetweenTwoHalvesIsLeftOutAndTheAttackDropped) {
  Session s;  // --stream-urgent oob, the default
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  EXPECT_FALSE(s.send(s.c.urgent_from_client_at(11, "X", 1)).drop);  // read out of band
  EXPECT_EQ(s.server.stream(), "GET /etc/pa");
  Verdict rest = s.send(s.c.from_client_at(12, "sswd HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(rest.drop);
  EXPECT_TRUE(rest.stream_matched);
  EXPECT_EQ(s.engine.engine->streams().counters().urgent_out_of_band, 1u);
  EXPECT_EQ(s.server.stream(), "GET /etc/pa");
}

TEST(StreamUrgent, TheUrgentByteInsideASegmentAndItsRetransmission) {
  Session s;
  // The pointer says 12: the urgent byte is the segment's twelfth, '!'.
  EXPECT_TRUE(s.send(s.c.urgent_from_client_at(0, "GET /etc/pa!sswd HTTP/1.0\r\n\r\n", 12)).drop);
  Session t("alert tcp any any -> any 80 (content:\"GET /etc\"; sid:2;)\n");
  EXPECT_FALSE(t.send(t.c.urgent_from_client_at(0, "GET !/etc", 5)).drop);
  EXPECT_EQ(t.server.stream(), "GET /etc");
  // Sent again, with its URG: the same stream, no overlap conflict.
  Verdict again = t.send(t.c.urgent_from_client_at(0, "GET !/etc", 5));
  EXPECT_FALSE(again.drop);
  EXPECT_EQ(again.stream_event, StreamEvent::kNone);
  // The next bytes follow the stream without the urgent byte.
  EXPECT_FALSE(t.send(t.c.from_client_at(9, "/passwd")).drop);
  EXPECT_EQ(t.server.stream(), "GET /etc/passwd");
}

TEST(StreamUrgent, APointerPastTheDataMarksAByteOfALaterSegment) {
  Session s;
  // The pointer points 3 bytes past this segment's end: the 'Z' of the next one.
  EXPECT_FALSE(s.send(s.c.urgent_from_client_at(0, "GET /etc/pa", 14)).drop);
  EXPECT_TRUE(s.send(s.c.from_client_at(11, "ssZwd HTTP/1.0\r\n\r\n")).drop);
  EXPECT_EQ(s.engine.engine->streams().counters().urgent_out_of_band, 1u);
}

TEST(StreamUrgent, AnUrgentByteOutOfOrderIsDroppedUntilItComesInOrder) {
  Session s;
  Verdict early = s.send(s.c.urgent_from_client_at(11, "X", 1));
  EXPECT_TRUE(early.drop);
  EXPECT_EQ(early.stream_event, StreamEvent::kUrgentData);
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  EXPECT_FALSE(s.send(s.c.urgent_from_client_at(11, "X", 1)).drop);
  EXPECT_TRUE(s.send(s.c.from_client_at(12, "sswd")).drop);
}

TEST(StreamUrgent, QueuedSegmentsPastTheUrgentByteStayInPlace) {
  Session s;
  EXPECT_FALSE(s.send(s.c.from_client_at(12, "sswd HTTP/1.0\r\n\r\n")).drop);  // queued behind the gap
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  // The urgent byte fills the gap: the queued bytes follow "/etc/pa" directly.
  EXPECT_TRUE(s.send(s.c.urgent_from_client_at(11, "X", 1)).drop);
  EXPECT_EQ(s.server.stream(), "GET /etc/pa");
}

TEST(StreamUrgent, ADroppedSegmentSetsNoUrgentMark) {
  Session s;
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  // Other bytes for bytes already inspected, with a pointer to the next byte: dropped, and
  // its mark with it, or the next real byte would be left out of what Picket inspects.
  Verdict conflict = s.send(s.c.urgent_from_client_at(0, "GET /etc/XY", 12));
  EXPECT_TRUE(conflict.drop);
  EXPECT_EQ(conflict.stream_event, StreamEvent::kOverlapConflict);
  EXPECT_TRUE(s.send(s.c.from_client_at(11, "sswd")).drop);
}

TEST(StreamUrgent, InlineReadsTheUrgentByteAsData) {
  // For a server that reads urgent data inline (SO_OOBINLINE), the byte is data: no attack.
  Session s(testing_support::kDropPasswd, urgent(UrgentPolicy::kInline), /*urgent_out_of_band=*/false);
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /etc/pa")).drop);
  EXPECT_FALSE(s.send(s.c.urgent_from_client_at(11, "X", 1)).drop);
  EXPECT_FALSE(s.send(s.c.from_client_at(12, "sswd")).drop);
  EXPECT_EQ(s.server.stream(), "GET /etc/paXsswd");
  // And "X" itself is what completes an attack the inline reader sees.
  Session t(testing_support::kDropPasswd, urgent(UrgentPolicy::kInline), false);
  EXPECT_FALSE(t.send(t.c.from_client_at(0, "GET /etc/pa")).drop);
  EXPECT_FALSE(t.send(t.c.urgent_from_client_at(11, "s", 1)).drop);
  EXPECT_TRUE(t.send(t.c.from_client_at(12, "swd")).drop);
}

TEST(StreamUrgent, DropRefusesEverySegmentWithUrgentData) {
  Session s(testing_support::kDropPasswd, urgent(UrgentPolicy::kDrop));
  Verdict v = s.send(s.c.urgent_from_client_at(0, "GET /", 3));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.reason, DropReason::kStream);
  EXPECT_EQ(v.stream_event, StreamEvent::kUrgentData);
  // Nothing changed: the same bytes without URG are the stream's first.
  EXPECT_FALSE(s.send(s.c.from_client_at(0, "GET /")).drop);
  EXPECT_EQ(s.server.stream(), "GET /");
}

}  // namespace
}  // namespace picket
