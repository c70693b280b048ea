// The runner of every test binary: CAF's own, with one change to its output.
// CAF shows a failed check (with both values) only at verbosity 4, where it
// also shows every passing check; thousands of those lines would bury the
// failures in `ctest --output-on-failure`. So this runner drops the lines of
// passing checks and keeps everything else.

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>

#include <iostream>
#include <streambuf>
#include <string>

namespace {

// Forwards whole lines to `target`, except those of passing checks.
class failures_only_buf : public std::streambuf {
public:
  explicit failures_only_buf(std::streambuf* target) : target_(target) {
    // nop
  }

  ~failures_only_buf() override {
    forward_line();
  }

protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof()))
      return traits_type::not_eof(ch);
    line_ += traits_type::to_char_type(ch);
    if (ch == '\n')
      forward_line();
    return ch;
  }

  // CAF flushes in the middle of lines: forward only whole lines.
  int sync() override {
    return target_->pubsync();
  }

private:
  void forward_line() {
    if (!is_passing_check(line_))
      target_->sputn(line_.data(), static_cast<std::streamsize>(line_.size()));
    line_.clear();
  }

  // CAF starts a passing check's line with `** `, after a color escape
  // sequence when stderr is a terminal.
  static bool is_passing_check(const std::string& line) {
    size_t pos = 0;
    while (line.compare(pos, 2, "\033[") == 0) {
      pos = line.find('m', pos);
      if (pos == std::string::npos)
        return false;
      ++pos;
    }
    return line.compare(pos, 3, "** ") == 0;
  }

  std::streambuf* target_;
  std::string line_;
};

} // namespace

int main(int argc, char** argv) {
  failures_only_buf filter{std::cerr.rdbuf()};
  auto* original = std::cerr.rdbuf(&filter);
  auto result = caf::test::main(argc, argv);
  std::cerr.rdbuf(original);
  return result;
}
