// Tests for error wording: zkCli 3.8's own texts for the common codes (as printed by Debian's
// zkCli.sh against ZooKeeper 3.8.0), KeeperException's form for the others, and the code names.
#include "cli/error_text.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

TEST(ErrorText, ZkCliOwnWording) {
  EXPECT_EQ(ErrorText(Error::kNoNode, "/x"), "Node does not exist: /x");
  EXPECT_EQ(ErrorText(Error::kNodeExists, "/x"), "Node already exists: /x");
  EXPECT_EQ(ErrorText(Error::kBadVersion, "/x"), "version No is not valid : /x");
  EXPECT_EQ(ErrorText(Error::kNoAuth, "/x"), "Insufficient permission : /x");
  EXPECT_EQ(ErrorText(Error::kInvalidAcl, "/x"), "Acl is not valid : /x");
  EXPECT_EQ(ErrorText(Error::kNotEmpty, "/x"), "Node not empty: /x");
  EXPECT_EQ(ErrorText(Error::kNoChildrenForEphemerals, "/x/k"),
            "Ephemerals cannot have children: /x/k");
  EXPECT_EQ(ErrorText(Error::kBadArguments, "/"), "Arguments are not valid : /");
}

TEST(ErrorText, OtherCodesReadLikeKeeperException) {
  EXPECT_EQ(ErrorText(Error::kNoWatcher, "/e"), "KeeperErrorCode = No such watcher for /e");
  EXPECT_EQ(ErrorText(Error::kConnectionLoss, ""), "KeeperErrorCode = ConnectionLoss");
  EXPECT_EQ(ErrorText(static_cast<Error>(-999), "/x"),
            "KeeperErrorCode = Unknown error -999 for /x");
}

TEST(ErrorCodeName, ZooKeeperNames) {
  EXPECT_EQ(ErrorCodeName(Error::kNoNode), "NONODE");
  EXPECT_EQ(ErrorCodeName(Error::kBadVersion), "BADVERSION");
  EXPECT_EQ(ErrorCodeName(static_cast<Error>(-999)), "UNKNOWN");
}

}  // namespace
}  // namespace paddock::cli
