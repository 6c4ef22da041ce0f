// Proves that a log entry (a batch of txns) decodes to exactly what was encoded, every field of
// every txn included, and that a damaged entry is refused with a Status rather than decoded into
// something else or crashing: a wrong magic, an unknown txn kind, a truncated or over-long entry,
// and a txn count far larger than the bytes that follow (which must not allocate that many).
// Entries written before attach_zxid and cseq existed ("PDK1") still decode, with both 0.
#include "statemachine/txn.h"

#include <gtest/gtest.h>

namespace paddock::statemachine {
namespace {

Txn Sample() {
  Txn t;
  t.kind = TxnKind::kRequest;
  t.session_id = 0x0100000000000001;
  t.xid = 42;
  t.op = 1;
  t.time_ms = 1'700'000'000'123;
  t.origin_server = 3;
  t.origin_seq = 99;
  t.attach_zxid = 0x500000007;
  t.cseq = 12;
  t.identities = {{"ip", "10.0.0.1"}, {"digest", "alice:hash"}};
  t.body = std::string("\x00\x01\xff", 3);
  return t;
}

void ExpectSameTxn(const Txn& a, const Txn& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.xid, b.xid);
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.time_ms, b.time_ms);
  EXPECT_EQ(a.origin_server, b.origin_server);
  EXPECT_EQ(a.origin_seq, b.origin_seq);
  EXPECT_EQ(a.attach_zxid, b.attach_zxid);
  EXPECT_EQ(a.cseq, b.cseq);
  EXPECT_EQ(a.identities, b.identities);
  EXPECT_EQ(a.body, b.body);
}

TEST(TxnBatch, RoundTripsEveryFieldOfEveryTxn) {
  Txn second;
  second.kind = TxnKind::kInit;
  second.body = std::string(32, 's');
  Result<std::vector<Txn>> got = DecodeBatch(EncodeBatch({Sample(), second}));
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  ExpectSameTxn((*got)[0], Sample());
  ExpectSameTxn((*got)[1], second);
}

TEST(TxnBatch, AnEmptyBatchRoundTrips) {
  Result<std::vector<Txn>> got = DecodeBatch(EncodeBatch(std::vector<Txn>{}));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
}

TEST(TxnBatch, AWrongMagicIsRefused) {
  std::string bytes = EncodeBatch({Sample()});
  bytes[0] = static_cast<char>(bytes[0] ^ 0x01);
  EXPECT_FALSE(DecodeBatch(bytes).ok());
}

TEST(TxnBatch, AnUnknownTxnKindIsRefused) {
  std::string bytes = EncodeBatch({Sample()});
  bytes[8] = 8;  // the kind byte of the first txn, after magic and count
  EXPECT_FALSE(DecodeBatch(bytes).ok());
  bytes[8] = 0;
  EXPECT_FALSE(DecodeBatch(bytes).ok());
}

TEST(TxnBatch, AnEntryOfTheFormerLayoutDecodesWithoutAttachment) {
  Txn t = Sample();
  std::string bytes;
  proto::JuteWriter w(&bytes);
  w.Int(0x50444b31);  // "PDK1"
  w.Int(1);
  w.Byte(static_cast<uint8_t>(t.kind));
  w.Long(t.session_id);
  w.Int(t.xid);
  w.Int(t.op);
  w.Long(t.time_ms);
  w.Int(t.origin_server);
  w.Long(t.origin_seq);
  w.RecordVector(t.identities);
  w.String(t.body);
  Result<std::vector<Txn>> got = DecodeBatch(bytes);
  ASSERT_TRUE(got.ok()) << got.status().message();
  t.attach_zxid = 0;
  t.cseq = 0;
  ExpectSameTxn((*got)[0], t);
  bytes[8] = 7;  // an attachSession did not exist then
  EXPECT_FALSE(DecodeBatch(bytes).ok());
}

TEST(TxnBatch, EveryTruncationIsRefused) {
  std::string bytes = EncodeBatch({Sample(), Sample()});
  for (size_t n = 0; n < bytes.size(); n++) {
    EXPECT_FALSE(DecodeBatch(bytes.substr(0, n)).ok()) << "length " << n;
  }
}

TEST(TxnBatch, TrailingBytesAreRefused) {
  EXPECT_FALSE(DecodeBatch(EncodeBatch({Sample()}) + "x").ok());
}

TEST(TxnBatch, ANegativeCountIsRefused) {
  std::string bytes = EncodeBatch(std::vector<Txn>{});
  bytes[4] = static_cast<char>(0xff);
  EXPECT_FALSE(DecodeBatch(bytes).ok());
}

TEST(TxnBatch, ACountLargerThanTheEntryIsRefusedWithoutAllocatingIt) {
  std::string bytes = EncodeBatch({Sample()});
  // Claim 2^31 - 1 txns; a decoder that sized its output from the count would need hundreds of
  // gigabytes before noticing the entry is short.
  bytes[4] = 0x7f;
  bytes[5] = static_cast<char>(0xff);
  bytes[6] = static_cast<char>(0xff);
  bytes[7] = static_cast<char>(0xff);
  EXPECT_FALSE(DecodeBatch(bytes).ok());
}

}  // namespace
}  // namespace paddock::statemachine
