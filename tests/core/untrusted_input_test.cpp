#include "ecopt/core/untrusted_input.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(ParseJsonInput, RefusesDepthPastTheLimitWithoutRecursing) {
  EXPECT_EQ(parse_json_input(nested(64), "x").dump(), nested(64));
  // 400,000 levels overflowed the stack before the limit existed.
  EXPECT_THAT([] { parse_json_input(nested(400'000), "the file f.json"); },
              ThrowsMessage<InputError>(
                  HasSubstr("the file f.json nests arrays and objects more than 64 levels")));
  EXPECT_THAT([] { parse_json_input<nlohmann::ordered_json>(R"({"a": {"b": [1]}})", "s", {1000, 2}); },
              ThrowsMessage<InputError>(HasSubstr("more than 2 levels")));
}

TEST(ParseJsonInput, RefusesSizeAndSyntaxInOneLine) {
  EXPECT_THAT([] { parse_json_input(R"({"a": 1})", "--user-attrs", {4, 64}); },
              ThrowsMessage<InputError>(HasSubstr("--user-attrs is 8 bytes of JSON, over the limit of 4")));
  EXPECT_THAT([] { parse_json_input("{\"a\": \n" + std::string(10'000, 'x'), "--user-attrs"); },
              ThrowsMessage<InputError>(HasSubstr("--user-attrs is not valid JSON")));
  try {
    parse_json_input("{\"a\": \"" + std::string(10'000, 'x'), "f");
  } catch (const InputError& error) {
    EXPECT_LT(std::string_view(error.what()).size(), 400u);
    EXPECT_EQ(std::string_view(error.what()).find('\n'), std::string_view::npos);
  }
  EXPECT_THROW(parse_json_input("1e999", "f"), InputError);
}

TEST(ReadInputFile, RefusesFifosWithoutWaitingAndBoundsTheSize) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ecopt-untrusted-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THAT([&] { read_input_file(dir / "fifo", "the result file", 100, FileKind::Regular); },
              ThrowsMessage<InputError>(HasSubstr("the result file is not a regular file (a FIFO)")));
  EXPECT_THAT([] { read_input_file("/dev/zero", "the space", 1000, FileKind::Any); },
              ThrowsMessage<InputError>(HasSubstr("the space holds more than 1000 bytes")));
  std::ofstream(dir / "ok") << "{}";
  EXPECT_EQ(read_input_file(dir / "ok", "f", 2, FileKind::Regular), "{}");
  EXPECT_THAT([&] { read_input_file(dir / "missing", "the file", 2, FileKind::Any); },
              ThrowsMessage<InputError>(HasSubstr("cannot read the file: No such file")));
  std::filesystem::remove_all(dir);
}

TEST(OptionReader, NamesTheOptionItsRangeAndTheValue) {
  const auto options = nlohmann::json::parse(
      R"({"a": 3000000000, "b": 18446744073709551615, "c": 2.5, "d": 7, "e": -1, "f": "x"})");
  const OptionReader read(options, "mobo option");
  EXPECT_THAT([&] { read.integer("a", 1, 1, 100'000); },
              ThrowsMessage<InputError>(HasSubstr(
                  "mobo option 'a' must be an integer in [1, 100000], got 3000000000")));
  EXPECT_THROW(read.integer("b", 1, 0, INT64_MAX), InputError);
  EXPECT_THROW(read.integer("c", 1, 0, 10), InputError);
  EXPECT_EQ(read.integer("d", 1, 0, 10), 7);
  EXPECT_EQ(read.integer("e", 1, -1, 10), -1);
  EXPECT_EQ(read.integer("missing", 5, 0, 10), 5);
  EXPECT_DOUBLE_EQ(read.number("c", 0, 0, 3), 2.5);
  EXPECT_THAT([&] { read.number("f", 0, 0, 1); },
              ThrowsMessage<InputError>(HasSubstr("mobo option 'f' must be a number in [0, 1], got \"x\"")));
}

TEST(StorableText, ReplacesWhatIsNotUtf8AndSaysHowMuch) {
  EXPECT_EQ(storable_text("plain €"), "plain €");
  EXPECT_EQ(storable_text(std::string("a\0b\xff", 4)),
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD [2 bytes replaced by U+FFFD: not UTF-8, or NUL]");
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  for (const char* bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    EXPECT_THAT(storable_text(bad), HasSubstr("replaced by U+FFFD")) << bad;
  }
  EXPECT_EQ(storable_text("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(Utf8Cut, KeepsWholeCharacters) {
  const std::string euros = "€€€";  // 3 bytes each
  EXPECT_EQ(utf8_prefix(euros, 4), "€");
  EXPECT_EQ(utf8_prefix(euros, 6), "€€");
  EXPECT_EQ(utf8_suffix(euros, 5), "€");
  EXPECT_EQ(utf8_suffix(euros, 100), euros);
}

// Durations in seconds or with units, for [budget] wall_time and --wall-time.
TEST(OptionReader, ReadsDurationsWithUnitsAndRefusesOthersNamingTheKey) {
  const auto options = nlohmann::json::parse(
      R"({"a": "1h30m", "b": "90m", "c": 45, "d": "2x", "e": "h", "f": "1.5d", "g": -3})");
  const OptionReader reader(options, "[budget]");
  EXPECT_EQ(reader.duration_s("a", 0, 1, 1e8), 5400);
  EXPECT_EQ(reader.duration_s("b", 0, 1, 1e8), 5400);
  EXPECT_EQ(reader.duration_s("c", 0, 1, 1e8), 45);
  EXPECT_EQ(reader.duration_s("f", 0, 1, 1e8), 129600);
  EXPECT_EQ(reader.duration_s("absent", 9, 1, 1e8), 9);
  for (const char* bad : {"d", "e", "g"}) {
    EXPECT_THAT([&] { reader.duration_s(bad, 0, 1, 1e8); },
                ThrowsMessage<InputError>(HasSubstr(fmt::format("[budget] '{}' must be a duration", bad))));
  }
}

}  // namespace
}  // namespace ecopt
