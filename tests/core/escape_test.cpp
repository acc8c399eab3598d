// The escapers every shown or written name passes through: CSV fields and
// rows, and the hashes that let only a page's own scripts run.
#include <gtest/gtest.h>

#include "ecopt/core/escape.hpp"

namespace ecopt {
namespace {

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(" padded"), "\" padded\"");
  EXPECT_EQ(csv_field(""), "");
  // Issue 16: a spreadsheet runs a cell that starts with = + - @ as a formula.
  EXPECT_EQ(csv_field("=1+2"), "\"'=1+2\"");
  EXPECT_EQ(csv_field("+1"), "\"'+1\"");
  EXPECT_EQ(csv_field("@SUM(1)"), "\"'@SUM(1)\"");
  EXPECT_EQ(csv_field("-cmd|' /C calc'!A0"), "\"'-cmd|' /C calc'!A0\"");
  EXPECT_EQ(csv_field("-0.5"), "-0.5") << "numbers stay numbers";
}

TEST(CsvRow, JoinsQuotedFieldsAndEndsWithCrLf) {
  EXPECT_EQ(csv_row({"a", "b,c", "=x"}), "a,\"b,c\",\"'=x\"\r\n");
  EXPECT_EQ(csv_row({}), "\r\n");
}

TEST(ShellQuote, KeepsEveryCharacterLiteral) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's $(rm -rf ~)\n`x`"), "'it'\\''s $(rm -rf ~)\n`x`'");
  EXPECT_EQ(shell_quote(""), "''");
}

// The values `openssl dgst -sha256 -binary | base64` gives.
TEST(CspScriptHash, IsTheBase64Sha256ThatBrowsersCompare) {
  EXPECT_EQ(csp_script_hash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  EXPECT_EQ(csp_script_hash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
  // 56 bytes: the length no longer fits the first block.
  EXPECT_EQ(csp_script_hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "'sha256-JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE='");
}

}  // namespace
}  // namespace ecopt
