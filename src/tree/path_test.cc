// Proves that IsValidPath accepts and rejects exactly what ZooKeeper's PathUtils.validatePath does
// (reference §12.2), and that ParentOf, BaseName and JoinPath split and join paths the way the
// state machine relies on. Each rule of §12.2 has its own test. The byte strings of the UTF-8
// cases were run through ZooKeeper 3.8's own validatePath (after Java's UTF-8 decoding, which
// turns malformed input into U+FFFD) to fix the expected answers; the tests feed raw bytes,
// because that is what arrives on the wire.
#include "tree/path.h"

#include <gtest/gtest.h>

#include <string>

namespace paddock::tree {
namespace {

using namespace std::string_literals;

// Shape rules.

TEST(IsValidPath, AcceptsTheRootAlone) { EXPECT_TRUE(IsValidPath("/")); }

TEST(IsValidPath, AcceptsAbsolutePathsOfOneOrMoreComponents) {
  EXPECT_TRUE(IsValidPath("/a"));
  EXPECT_TRUE(IsValidPath("/a/b"));
  EXPECT_TRUE(IsValidPath("/zookeeper/quota"));
}

TEST(IsValidPath, RejectsTheEmptyString) { EXPECT_FALSE(IsValidPath("")); }

TEST(IsValidPath, RejectsAPathThatDoesNotStartWithSlash) {
  EXPECT_FALSE(IsValidPath("a"));
  EXPECT_FALSE(IsValidPath("a/b"));
}

TEST(IsValidPath, RejectsATrailingSlashExceptOnTheRoot) {
  EXPECT_FALSE(IsValidPath("/a/"));
  EXPECT_FALSE(IsValidPath("/a/b/"));
}

TEST(IsValidPath, RejectsAnEmptyComponent) {
  EXPECT_FALSE(IsValidPath("//"));
  EXPECT_FALSE(IsValidPath("//a"));
  EXPECT_FALSE(IsValidPath("/a//b"));
}

TEST(IsValidPath, RejectsADotComponentAnywhere) {
  EXPECT_FALSE(IsValidPath("/."));
  EXPECT_FALSE(IsValidPath("/./a"));
  EXPECT_FALSE(IsValidPath("/a/."));
}

TEST(IsValidPath, RejectsADotDotComponentAnywhere) {
  EXPECT_FALSE(IsValidPath("/.."));
  EXPECT_FALSE(IsValidPath("/../a"));
  EXPECT_FALSE(IsValidPath("/a/.."));
}

TEST(IsValidPath, AcceptsDotsThatAreOnlyPartOfAComponent) {
  EXPECT_TRUE(IsValidPath("/..."));
  EXPECT_TRUE(IsValidPath("/.a"));
  EXPECT_TRUE(IsValidPath("/a."));
  EXPECT_TRUE(IsValidPath("/..a"));
  EXPECT_TRUE(IsValidPath("/a..b"));
}

TEST(IsValidPath, AcceptsTheReservedNameZookeeper) {
  // The docs call it reserved, but only deleting the special nodes is refused (§12.2).
  EXPECT_TRUE(IsValidPath("/zookeeper"));
  EXPECT_TRUE(IsValidPath("/zookeeper/mine"));
}

// Character rules.

TEST(IsValidPath, RejectsANulByteAnywhere) {
  EXPECT_FALSE(IsValidPath("/a\0"s));
  EXPECT_FALSE(IsValidPath("/\0b"s));
  EXPECT_FALSE(IsValidPath("/a/\0/b"s));
}

TEST(IsValidPath, RejectsC0ControlCharacters) {
  EXPECT_FALSE(IsValidPath("/\x01"));
  EXPECT_FALSE(IsValidPath("/a\tb"));
  EXPECT_FALSE(IsValidPath("/a\n"));
  EXPECT_FALSE(IsValidPath("/\x1f"));
}

TEST(IsValidPath, AcceptsSpaceAndOtherPrintableAscii) {
  EXPECT_TRUE(IsValidPath("/ "));
  EXPECT_TRUE(IsValidPath("/a b"));
  EXPECT_TRUE(IsValidPath("/~!@#$%^&*()_+-=[]{};':\",<>?|"));
}

TEST(IsValidPath, RejectsDeleteAndC1ControlCharacters) {
  EXPECT_FALSE(IsValidPath("/\x7f"));          // U+007F
  EXPECT_FALSE(IsValidPath("/\xc2\x80"));      // U+0080
  EXPECT_FALSE(IsValidPath("/\xc2\x9f"));      // U+009F
}

TEST(IsValidPath, AcceptsNonAsciiLettersAboveTheC1Range) {
  EXPECT_TRUE(IsValidPath("/\xc2\xa0"));          // U+00A0, first after the C1 range
  EXPECT_TRUE(IsValidPath("/caf\xc3\xa9"));       // U+00E9
  EXPECT_TRUE(IsValidPath("/\xe2\x82\xac/a"));    // U+20AC
  EXPECT_TRUE(IsValidPath("/\xed\x9f\xbf"));      // U+D7FF, last before the surrogates
}

TEST(IsValidPath, RejectsSurrogatesAndThePrivateUseArea) {
  EXPECT_FALSE(IsValidPath("/\xed\xa0\x80"));  // U+D800 encoded directly
  EXPECT_FALSE(IsValidPath("/\xed\xbf\xbf"));  // U+DFFF
  EXPECT_FALSE(IsValidPath("/\xee\x80\x80"));  // U+E000
  EXPECT_FALSE(IsValidPath("/\xef\xa3\xbf"));  // U+F8FF
}

TEST(IsValidPath, AcceptsTheFirstCharacterAfterThePrivateUseArea) {
  EXPECT_TRUE(IsValidPath("/\xef\xa4\x80"));  // U+F900
}

TEST(IsValidPath, RejectsTheSpecialsBlockFromFFF0) {
  EXPECT_TRUE(IsValidPath("/\xef\xbf\xaf"));   // U+FFEF is still allowed
  EXPECT_FALSE(IsValidPath("/\xef\xbf\xb0"));  // U+FFF0
  EXPECT_FALSE(IsValidPath("/\xef\xbf\xbf"));  // U+FFFF
}

TEST(IsValidPath, RejectsCharactersOutsideTheBasicPlane) {
  // Java holds U+1F600 as a surrogate pair, which the surrogate rule forbids.
  EXPECT_FALSE(IsValidPath("/\xf0\x9f\x98\x80"));
  // Above U+10FFFF is malformed; Java decodes it to U+FFFD.
  EXPECT_FALSE(IsValidPath("/\xf4\x90\x80\x80"));
}

TEST(IsValidPath, RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidPath("/\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidPath("/\xc0\x80"));      // overlong NUL
  EXPECT_FALSE(IsValidPath("/\xe0\x80\xaf"));  // three-byte overlong '/'
}

TEST(IsValidPath, RejectsAStrayContinuationByte) { EXPECT_FALSE(IsValidPath("/\x80")); }

TEST(IsValidPath, RejectsATruncatedSequenceAtTheEnd) {
  EXPECT_FALSE(IsValidPath("/\xc3"));
  EXPECT_FALSE(IsValidPath("/\xe2\x82"));
  EXPECT_FALSE(IsValidPath("/a\xf0\x9f\x98"));
}

TEST(IsValidPath, RejectsATruncatedSequenceBeforeASlash) {
  EXPECT_FALSE(IsValidPath("/\xc3/a"));
  EXPECT_FALSE(IsValidPath("/\xe2\x82/a"));
}

TEST(IsValidPath, RejectsBytesThatCanNeverStartASequence) {
  EXPECT_FALSE(IsValidPath("/\xff"));
  EXPECT_FALSE(IsValidPath("/\xf8\x88\x80\x80\x80"));
}

// Helpers.

TEST(ParentOf, OfATopLevelNodeIsTheRoot) { EXPECT_EQ(ParentOf("/a"), "/"); }

TEST(ParentOf, OfANestedNodeIsEverythingBeforeTheLastSlash) {
  EXPECT_EQ(ParentOf("/a/b"), "/a");
  EXPECT_EQ(ParentOf("/a/b/c"), "/a/b");
}

TEST(ParentOf, OfThePathWithTrailingSlashIsThePathWithoutIt) {
  // A sequential create may name "/a/" (the suffix then is the whole last component).
  EXPECT_EQ(ParentOf("/a/"), "/a");
}

TEST(ParentOf, OfARelativePathIsItsFirstPart) {
  // ZooKeeper's prep takes the text before the last '/' even for such paths; looking that
  // parent up then fails with NONODE.
  EXPECT_EQ(ParentOf("a/b"), "a");
}

TEST(BaseName, IsEverythingAfterTheLastSlash) {
  EXPECT_EQ(BaseName("/a"), "a");
  EXPECT_EQ(BaseName("/a/bc"), "bc");
  EXPECT_EQ(BaseName("/a/"), "");
}

TEST(JoinPath, UnderTheRootAddsNoExtraSlash) { EXPECT_EQ(JoinPath("/", "a"), "/a"); }

TEST(JoinPath, UnderANodeInsertsOneSlash) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/b", "c"), "/a/b/c");
}

TEST(JoinPath, InvertsParentOfAndBaseName) {
  for (std::string p : {"/a", "/a/b", "/x/y/z0000000001"}) {
    EXPECT_EQ(JoinPath(ParentOf(p), BaseName(p)), p);
  }
}

}  // namespace
}  // namespace paddock::tree
