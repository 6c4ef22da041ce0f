#include "cli/printer.h"

#include <ostream>

namespace paddock::cli {

void Printer::Out(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  out_ << text;
  out_.flush();
}

void Printer::Err(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  err_ << text;
  err_.flush();
}

}  // namespace paddock::cli
