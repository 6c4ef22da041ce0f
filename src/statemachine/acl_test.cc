// Proves the ACL model of reference §9: DigestId matches ZooKeeper's generateDigest on the
// reference's test vectors; CheckAcl grants a permission exactly when ZooKeeper's checkACL would
// (empty lists, world:anyone, permission masks, ip with prefix masks, digest ids, the super
// identity); and FixupAcl validates and expands create/setACL lists like ZooKeeper's fixupACL
// (duplicates dropped, empty list and invalid ids refused with INVALIDACL, "auth" replaced by the
// caller's digest identities). Validity of ip and digest ids follows the Java providers to the
// letter (Integer.parseInt for address parts, String.split for digest ids); those cases were
// checked against a JDK. Pure functions, so each test builds its inputs inline.
#include "statemachine/acl.h"

#include <gtest/gtest.h>

namespace paddock::statemachine {
namespace {

using proto::Acl;
using proto::AclList;
using proto::Err;
using proto::Id;
namespace perms = proto::perms;

const Id kAnyone{"world", "anyone"};
const Id kAlice{"digest", "alice:hash1"};
const Id kBob{"digest", "bob:hash2"};
const Id kSuper{"super", ""};

Id Ip(std::string addr) { return {"ip", std::move(addr)}; }

// DigestId.

TEST(DigestId, MatchesTheReferenceVectorForUserPassword) {
  EXPECT_EQ(DigestId("user:password"), "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
}

TEST(DigestId, MatchesTheDocumentedSuperDigest) {
  EXPECT_EQ(DigestId("super:test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
}

TEST(DigestId, HashesTheWholeStringButNamesOnlyThePartBeforeTheFirstColon) {
  EXPECT_EQ(DigestId("u:p:q"), "u:VIgTKUjc2iscZoJn2UUrdGNNgW4=");
}

TEST(DigestId, OfAStringWithoutColonUsesTheWholeStringAsUser) {
  EXPECT_EQ(DigestId("abc"), "abc:qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(DigestId, IsAValidDigestAclId) {
  EXPECT_TRUE(IsValidId("digest", DigestId("bob:secret")));
}

// CheckAcl.

TEST(CheckAcl, AnEmptyListAllowsEverything) {
  EXPECT_TRUE(CheckAcl({}, perms::kAll, {}));
}

TEST(CheckAcl, WorldAnyoneAllowsCallersWithoutIdentities) {
  EXPECT_TRUE(CheckAcl({{perms::kRead, kAnyone}}, perms::kRead, {}));
}

TEST(CheckAcl, GrantsOnlyThePermissionBitsOfTheEntry) {
  AclList acl = {{perms::kRead | perms::kWrite, kAnyone}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {}));
  EXPECT_TRUE(CheckAcl(acl, perms::kWrite, {}));
  EXPECT_FALSE(CheckAcl(acl, perms::kCreate, {}));
  EXPECT_FALSE(CheckAcl(acl, perms::kDelete, {}));
  EXPECT_FALSE(CheckAcl(acl, perms::kAdmin, {}));
}

TEST(CheckAcl, ARequestForSeveralBitsNeedsOnlyOneOfThem) {
  // getACL asks for READ|ADMIN.
  EXPECT_TRUE(CheckAcl({{perms::kAdmin, kAnyone}}, perms::kRead | perms::kAdmin, {}));
  EXPECT_TRUE(CheckAcl({{perms::kRead, kAnyone}}, perms::kRead | perms::kAdmin, {}));
}

TEST(CheckAcl, AnEntryWithNoPermissionsGrantsNothing) {
  EXPECT_FALSE(CheckAcl({{0, kAnyone}}, perms::kRead, {}));
}

TEST(CheckAcl, WorldWithAnIdOtherThanAnyoneGrantsNothing) {
  EXPECT_FALSE(CheckAcl({{perms::kAll, {"world", "someone"}}}, perms::kRead,
                        {{"world", "someone"}}));
}

TEST(CheckAcl, LaterEntriesAreConsultedWhenEarlierOnesDoNotMatch) {
  AclList acl = {{perms::kAll, kAlice}, {perms::kRead, kAnyone}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {kBob}));
  EXPECT_FALSE(CheckAcl(acl, perms::kWrite, {kBob}));
}

TEST(CheckAcl, DigestMatchesTheExactId) {
  AclList acl = {{perms::kAll, kAlice}};
  EXPECT_TRUE(CheckAcl(acl, perms::kWrite, {kAlice}));
  EXPECT_FALSE(CheckAcl(acl, perms::kWrite, {kBob}));
  EXPECT_FALSE(CheckAcl(acl, perms::kWrite, {{"digest", "alice:hash1x"}}));
}

TEST(CheckAcl, AnyOfTheCallersIdentitiesMayMatch) {
  EXPECT_TRUE(CheckAcl({{perms::kAll, kAlice}}, perms::kRead, {Ip("10.0.0.1"), kBob, kAlice}));
}

TEST(CheckAcl, AnIdentityMatchesOnlyEntriesOfItsOwnScheme) {
  EXPECT_FALSE(CheckAcl({{perms::kAll, {"digest", "10.0.0.1"}}}, perms::kRead, {Ip("10.0.0.1")}));
  EXPECT_FALSE(CheckAcl({{perms::kAll, Ip("10.0.0.1")}}, perms::kRead, {{"digest", "10.0.0.1"}}));
}

TEST(CheckAcl, IpWithoutMaskMatchesOnlyThatAddress) {
  AclList acl = {{perms::kAll, Ip("192.168.1.7")}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {Ip("192.168.1.7")}));
  EXPECT_FALSE(CheckAcl(acl, perms::kRead, {Ip("192.168.1.8")}));
}

TEST(CheckAcl, IpWithAByteMaskMatchesTheWholeSubnet) {
  AclList acl = {{perms::kAll, Ip("192.168.1.0/24")}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {Ip("192.168.1.200")}));
  EXPECT_FALSE(CheckAcl(acl, perms::kRead, {Ip("192.168.2.1")}));
}

TEST(CheckAcl, IpWithAMaskInsideAByteComparesOnlyTheTopBits) {
  AclList acl = {{perms::kAll, Ip("10.16.0.0/12")}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {Ip("10.31.255.255")}));
  EXPECT_FALSE(CheckAcl(acl, perms::kRead, {Ip("10.32.0.0")}));
  EXPECT_FALSE(CheckAcl(acl, perms::kRead, {Ip("10.15.255.255")}));
}

TEST(CheckAcl, IpMaskIgnoresHostBitsSetInTheAclAddress) {
  EXPECT_TRUE(CheckAcl({{perms::kAll, Ip("192.168.1.99/24")}}, perms::kRead, {Ip("192.168.1.3")}));
}

TEST(CheckAcl, IpWithMaskZeroMatchesEveryIpv4Address) {
  EXPECT_TRUE(CheckAcl({{perms::kAll, Ip("0.0.0.0/0")}}, perms::kRead, {Ip("8.8.4.4")}));
}

TEST(CheckAcl, IpNeverMatchesAnIpv6Address) {
  EXPECT_FALSE(CheckAcl({{perms::kAll, Ip("0.0.0.0/0")}}, perms::kRead, {Ip("0:0:0:0:0:0:0:1")}));
}

TEST(CheckAcl, IpWithLeadingZerosMatchesLikeJavaParseInt) {
  EXPECT_TRUE(CheckAcl({{perms::kAll, Ip("010.000.000.001")}}, perms::kRead, {Ip("10.0.0.1")}));
}

TEST(CheckAcl, SuperBypassesEveryCheck) {
  AclList acl = {{perms::kRead, kAlice}};
  EXPECT_TRUE(CheckAcl(acl, perms::kAdmin, {kSuper}));
  EXPECT_TRUE(CheckAcl({{0, kAnyone}}, perms::kAll, {kSuper}));
}

TEST(CheckAcl, DeniesWhenNothingMatches) {
  EXPECT_FALSE(CheckAcl({{perms::kAll, kAlice}}, perms::kRead, {}));
  EXPECT_FALSE(CheckAcl({{perms::kAll, {"sasl", "alice"}}}, perms::kRead, {{"sasl", "alice"}}));
}

// IsValidId.

TEST(IsValidId, AcceptsIpv4AddressesWithOrWithoutAMask) {
  EXPECT_TRUE(IsValidId("ip", "10.0.0.1"));
  EXPECT_TRUE(IsValidId("ip", "10.0.0.0/8"));
  EXPECT_TRUE(IsValidId("ip", "0.0.0.0/0"));
  EXPECT_TRUE(IsValidId("ip", "255.255.255.255/32"));
}

TEST(IsValidId, AcceptsIpPartsThatJavaParseIntAccepts) {
  EXPECT_TRUE(IsValidId("ip", "010.0.0.1"));
  EXPECT_TRUE(IsValidId("ip", "+1.2.3.4"));
  EXPECT_TRUE(IsValidId("ip", "-0.2.3.4"));
  EXPECT_TRUE(IsValidId("ip", "1.2.3.4/+8"));
}

TEST(IsValidId, RejectsMalformedIpAddresses) {
  for (const char* id : {"", "10.0.0", "10.0.0.1.", "10.0.0.1.2", "10..0.1", "10.0.0.256",
                         "10.0.0.-1", "a.b.c.d", "host.example.com", "::1", "10.0.0.1 ",
                         "1.2.3.+-4", "1.2.3.++4"}) {
    EXPECT_FALSE(IsValidId("ip", id)) << id;
  }
}

TEST(IsValidId, RejectsIpMasksOutsideZeroToThirtyTwo) {
  EXPECT_FALSE(IsValidId("ip", "10.0.0.1/33"));
  EXPECT_FALSE(IsValidId("ip", "10.0.0.1/-1"));
  EXPECT_FALSE(IsValidId("ip", "10.0.0.1/"));
  EXPECT_FALSE(IsValidId("ip", "10.0.0.1/x"));
  EXPECT_FALSE(IsValidId("ip", "10.0.0.1/8/8"));
}

TEST(IsValidId, AcceptsDigestIdsOfExactlyTwoParts) {
  EXPECT_TRUE(IsValidId("digest", "user:hash"));
  EXPECT_TRUE(IsValidId("digest", ":hash"));
}

TEST(IsValidId, RejectsDigestIdsWithoutOrWithTooManyParts) {
  EXPECT_FALSE(IsValidId("digest", "userhash"));
  EXPECT_FALSE(IsValidId("digest", "a:b:c"));
  EXPECT_FALSE(IsValidId("digest", "a::b"));
  EXPECT_FALSE(IsValidId("digest", ""));
}

TEST(IsValidId, FollowsJavaSplitWhichDropsTrailingEmptyParts) {
  EXPECT_FALSE(IsValidId("digest", "user:"));   // ["user"]
  EXPECT_FALSE(IsValidId("digest", ":"));       // []
  EXPECT_TRUE(IsValidId("digest", "user:hash:"));  // ["user", "hash"]
  EXPECT_TRUE(IsValidId("digest", "user:hash::"));
}

TEST(IsValidId, RejectsSchemesWithoutAProvider) {
  EXPECT_FALSE(IsValidId("super", ""));
  EXPECT_FALSE(IsValidId("world", "anyone"));  // world is handled by FixupAcl itself
  EXPECT_FALSE(IsValidId("sasl", "alice"));
}

// x509 (a verified TLS client certificate's subject) works as with ZooKeeper's
// authProvider.x509=X509AuthenticationProvider: valid ids, exact match, and "auth" expands to it.
TEST(IsValidId, X509TakesTheSubjectDn) {
  EXPECT_TRUE(IsValidId("x509", "CN=alice,O=Example"));
  EXPECT_FALSE(IsValidId("x509", ""));
}

TEST(CheckAcl, X509MatchesTheExactSubject) {
  AclList acl = {{perms::kRead, {"x509", "CN=alice,O=Example"}}};
  EXPECT_TRUE(CheckAcl(acl, perms::kRead, {{"x509", "CN=alice,O=Example"}}));
  EXPECT_FALSE(CheckAcl(acl, perms::kRead, {{"x509", "CN=bob,O=Example"}}));
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"auth", ""}}}, {{"ip", "127.0.0.1"}, {"x509", "CN=a"}}, &out),
            proto::Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kAll, {"x509", "CN=a"}}}));
}

// FixupAcl.

TEST(FixupAcl, KeepsAValidListAsItIs) {
  AclList in = {{perms::kRead, kAnyone}, {perms::kAll, kAlice}, {perms::kWrite, Ip("1.2.3.0/24")}};
  AclList out;
  EXPECT_EQ(FixupAcl(in, {}, &out), Err::kOk);
  EXPECT_EQ(out, in);
}

TEST(FixupAcl, DropsDuplicatesKeepingTheFirstOccurrence) {
  AclList in = {{perms::kRead, kAnyone}, {perms::kAll, kAlice}, {perms::kRead, kAnyone}};
  AclList out;
  EXPECT_EQ(FixupAcl(in, {}, &out), Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kRead, kAnyone}, {perms::kAll, kAlice}}));
}

TEST(FixupAcl, KeepsEntriesThatDifferOnlyInPermissions) {
  AclList in = {{perms::kRead, kAnyone}, {perms::kWrite, kAnyone}};
  AclList out;
  EXPECT_EQ(FixupAcl(in, {}, &out), Err::kOk);
  EXPECT_EQ(out, in);
}

TEST(FixupAcl, RefusesAnEmptyList) {
  AclList out;
  EXPECT_EQ(FixupAcl({}, {kAlice}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, RefusesWorldWithAnIdOtherThanAnyone) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"world", "everyone"}}}, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, ExpandsAuthIntoEveryDigestIdentityOfTheCaller) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kRead | perms::kWrite, {"auth", ""}}}, {kAlice, kBob}, &out),
            Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kRead | perms::kWrite, kAlice},
                          {perms::kRead | perms::kWrite, kBob}}));
}

TEST(FixupAcl, ExpandsAuthWhateverItsIdSays) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"auth", "ignored"}}}, {kAlice}, &out), Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kAll, kAlice}}));
}

TEST(FixupAcl, ExpandsAuthWithoutTheCallersIpOrSuperIdentities) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"auth", ""}}}, {Ip("10.0.0.1"), kSuper, kAlice}, &out),
            Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kAll, kAlice}}));
}

TEST(FixupAcl, RefusesAuthWhenTheCallerHasNoDigestIdentity) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"auth", ""}}}, {Ip("10.0.0.1")}, &out), Err::kInvalidAcl);
  EXPECT_EQ(FixupAcl({{perms::kAll, {"auth", ""}}}, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, KeepsOtherEntriesAroundAnExpandedAuth) {
  AclList out;
  AclList in = {{perms::kRead, kAnyone}, {perms::kAll, {"auth", ""}}};
  EXPECT_EQ(FixupAcl(in, {kBob}, &out), Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kRead, kAnyone}, {perms::kAll, kBob}}));
}

TEST(FixupAcl, RefusesAnInvalidDigestId) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, {"digest", "no-colon"}}}, {}, &out), Err::kInvalidAcl);
  EXPECT_EQ(FixupAcl({{perms::kAll, {"digest", "user:"}}}, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, RefusesAnInvalidIpId) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, Ip("300.0.0.1")}}, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, RefusesSuperAndUnknownSchemes) {
  AclList out;
  EXPECT_EQ(FixupAcl({{perms::kAll, kSuper}}, {kSuper}, &out), Err::kInvalidAcl);
  EXPECT_EQ(FixupAcl({{perms::kAll, {"sasl", "alice"}}}, {}, &out), Err::kInvalidAcl);
  EXPECT_EQ(FixupAcl({{perms::kAll, {"", ""}}}, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, RefusesTheWholeListIfOneEntryIsInvalid) {
  AclList out;
  AclList in = {{perms::kRead, kAnyone}, {perms::kAll, {"digest", "bad"}}};
  EXPECT_EQ(FixupAcl(in, {}, &out), Err::kInvalidAcl);
}

TEST(FixupAcl, ReplacesWhateverTheOutputHeldBefore) {
  AclList out = {{perms::kAll, kBob}};
  EXPECT_EQ(FixupAcl({{perms::kRead, kAnyone}}, {}, &out), Err::kOk);
  EXPECT_EQ(out, (AclList{{perms::kRead, kAnyone}}));
}

}  // namespace
}  // namespace paddock::statemachine
