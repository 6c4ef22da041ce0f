// The live sessions page: one self-contained HTML document (no external scripts, styles or
// fonts) whose JavaScript fetches the `sessions` admin command every second and redraws two
// tables, live sessions and sessions ended in the last minutes. Values from clients (paths,
// addresses) are inserted as text nodes, never as HTML. Thread-safe (a constant).
#pragma once

#include <string>

namespace paddock::server::admin {

// The page, reading its data from `feed_url` (an absolute path such as /commands/sessions).
std::string SessionsPageHtml(const std::string& feed_url);

}  // namespace paddock::server::admin
