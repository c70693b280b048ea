#define CAF_SUITE names

#include <checkpoint/messages/names.hpp>

#include <caf/test/unit_test.hpp>

#include <string>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>

using namespace checkpoint;
using checkpoint::test::contains;

namespace {

// The canonical form of `raw` as a partition name, or the error's text.
std::string canonical(const std::string& raw) {
  auto result = canonical_name(raw, "partition");
  if (result)
    return *result;
  return describe(result.error());
}

// The error of `raw` as a partition name; none when the name is valid.
caf::error rejection(const std::string& raw) {
  auto result = canonical_name(raw, "partition");
  if (result)
    return {};
  return std::move(result.error());
}

} // namespace

CAF_TEST(canonical form lower cases ascii letters only) {
  CAF_CHECK_EQUAL(canonical("Orders"), "orders");
  CAF_CHECK_EQUAL(canonical("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                  "abcdefghijklmnopqrstuvwxyz");
  CAF_CHECK_EQUAL(canonical("already lower 0-9_@[`{"),
                  "already lower 0-9_@[`{");
  CAF_CHECK_EQUAL(canonical("'; DROP TABLE checkpoints; --"),
                  "'; drop table checkpoints; --");
}

CAF_TEST(canonical form leaves non ascii characters unchanged) {
  CAF_CHECK_EQUAL(canonical("\xC3\x84"), "\xC3\x84");         // Ä
  CAF_CHECK_EQUAL(canonical("\xC4\xB0"), "\xC4\xB0");         // İ
  CAF_CHECK_EQUAL(canonical("\xC3\x84PFEL"), "\xC3\x84pfel"); // ÄPFEL
  CAF_CHECK_EQUAL(canonical("\xC3\xA4"), "\xC3\xA4");         // ä
  CAF_CHECK_EQUAL(canonical("\xE2\x82\xAC"), "\xE2\x82\xAC"); // €
  CAF_CHECK_EQUAL(canonical("\xF0\x9F\x98\x80X"), "\xF0\x9F\x98\x80x");
}

CAF_TEST(empty names are rejected) {
  auto err = rejection("");
  CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
  CAF_CHECK_FUNC(contains, describe(err), "partition name is empty");
  auto group = canonical_name("", "group");
  CAF_REQUIRE(!group);
  CAF_CHECK_FUNC(contains, describe(group.error()), "group name is empty");
}

CAF_TEST(names are at most 512 bytes) {
  CAF_CHECK_EQUAL(max_name_bytes, 512u);
  CAF_CHECK_EQUAL(canonical(std::string(512, 'A')), std::string(512, 'a'));
  auto err = rejection(std::string(513, 'a'));
  CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
  CAF_CHECK_FUNC(contains, describe(err), "513 bytes long (at most 512)");
}

CAF_TEST(the length limit counts bytes not characters) {
  std::string two_byte_chars;
  for (int i = 0; i < 256; ++i)
    two_byte_chars += "\xC3\x84";
  CAF_CHECK_EQUAL(canonical(two_byte_chars), two_byte_chars);
  CAF_CHECK_EQUAL(code_of(rejection(two_byte_chars + "a")), ec::bad_input);
}

CAF_TEST(names with a nul byte are rejected) {
  auto err = rejection(std::string("ab\0c", 4));
  CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
  CAF_CHECK_FUNC(contains, describe(err), "NUL byte (at byte 2)");
}

CAF_TEST(invalid utf8 is rejected with its offset) {
  struct invalid {
    const char* what;
    std::string name;
  };
  invalid cases[] = {
    {"lone continuation byte", "a\x80"},
    {"byte never used in UTF-8", "a\xFF"},
    {"overlong two-byte slash", "a\xC0\xAF"},
    {"overlong two-byte with C1 lead", "a\xC1\xBF"},
    {"overlong three-byte", "a\xE0\x80\xAF"},
    {"overlong four-byte", "a\xF0\x80\x80\xAF"},
    {"high surrogate", "a\xED\xA0\x80"},
    {"low surrogate", "a\xED\xBF\xBF"},
    {"beyond U+10FFFF", "a\xF4\x90\x80\x80"},
    {"truncated two-byte at the end", "a\xC3"},
    {"truncated three-byte at the end", "a\xE2\x82"},
    {"truncated four-byte at the end", "a\xF0\x9F\x98"},
    {"truncated sequence before ascii", "a\xE2\x82z"},
  };
  for (const auto& x : cases) {
    CAF_MESSAGE(x.what);
    auto err = rejection(x.name);
    CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
    CAF_CHECK_FUNC(contains, describe(err), "not valid UTF-8 (at byte 1)");
  }
}

CAF_TEST(the boundaries of valid utf8 are accepted) {
  for (std::string name :
       {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"})
    CAF_CHECK_EQUAL(canonical(name), name);
}

CAF_TEST(printable keeps text and utf8 and escapes the rest) {
  CAF_CHECK_EQUAL(printable("orders p1 'x' \"y\""), "orders p1 'x' \"y\"");
  CAF_CHECK_EQUAL(printable("Zürich 東京 \xF0\x9F\x98\x80"),
                  "Zürich 東京 \xF0\x9F\x98\x80");
  CAF_CHECK_EQUAL(printable(""), "");
  CAF_CHECK_EQUAL(printable("a\\b"), "a\\\\b");
  CAF_CHECK_EQUAL(printable("a\rb\nc\td"), "a\\rb\\nc\\td");
  CAF_CHECK_EQUAL(printable("\x1b[31mred"), "\\x1b[31mred");
  CAF_CHECK_EQUAL(printable(std::string{"\0\x01\x1f\x7f", 4}),
                  "\\x00\\x01\\x1f\\x7f");
  // C1 controls are valid UTF-8 but control a terminal (U+009B is CSI).
  CAF_CHECK_EQUAL(printable("\xC2\x9B"
                            "31m \xC2\x80 \xC2\xA0"),
                  "\\xc2\\x9b31m \\xc2\\x80 \xC2\xA0");
  // Bytes that are not UTF-8, one escape each; the valid rest stays.
  CAF_CHECK_EQUAL(printable("\xff\xC3("), "\\xff\\xc3(");
  CAF_CHECK_EQUAL(printable("\xE2\x82"), "\\xe2\\x82");
  CAF_CHECK_EQUAL(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");
  CAF_CHECK_EQUAL(printable("\xC0\xAF"), "\\xc0\\xaf");
}

CAF_TEST(printable output holds no control byte and is valid utf8) {
  std::string every;
  for (int b = 0; b < 256; ++b)
    every += static_cast<char>(b);
  every += "\xE2\x82\xAC\xC2\x85";
  auto out = printable(every);
  CAF_CHECK(valid_utf8(out));
  for (unsigned char c : out)
    CAF_CHECK(c >= 0x20 && c != 0x7F);
  CAF_CHECK_FUNC(contains, out, "\xE2\x82\xAC\\xc2\\x85");
}

CAF_TEST(valid_utf8 follows rfc 3629) {
  CAF_CHECK(valid_utf8(""));
  CAF_CHECK(valid_utf8("abc Zürich \xF4\x8F\xBF\xBF"));
  CAF_CHECK(!valid_utf8("\xF4\x90\x80\x80"));
  CAF_CHECK(!valid_utf8("\xE0\x80\xAF"));
  CAF_CHECK(!valid_utf8("abc\xC3"));
}
