// A loopback TCP port that nothing listened on a moment ago, for tests that start listeners of
// their own (the port is released before returning: another process could take it, as always
// with this idiom). Test-only.
#pragma once

namespace paddock::testing {

// A free port on 127.0.0.1; aborts the test process if the system gives none.
int FreeLoopbackPort();

}  // namespace paddock::testing
