#include "ecopt/core/printable.hpp"

#include <gtest/gtest.h>

namespace ecopt {
namespace {

TEST(Printable, TerminalEscapesAreShownNotRun) {
  EXPECT_EQ(printable("\033]0;TITLE\007\033[2J"), "\\x1b]0;TITLE\\x07\\x1b[2J");
  EXPECT_EQ(printable("two\nlines\r\tend\x7f"), "two\\nlines\\r\\tend\\x7f");
  EXPECT_EQ(printable("csi \xc2\x9b" "31m"), "csi \\x9b31m") << "a C1 control";
  EXPECT_EQ(printable("bad \xff byte"), "bad \\xff byte");
  EXPECT_EQ(printable(std::string("nul\0here", 8)), "nul\\x00here");
}

TEST(Printable, TextAndUnicodeStayAsTheyAre) {
  EXPECT_EQ(printable("loss 0.25 · énergie 3 J → ok ✓ 😀"), "loss 0.25 · énergie 3 J → ok ✓ 😀");
  EXPECT_EQ(printable(""), "");
}

TEST(CutText, KeepsTheEndsAndSaysHowMuchWasCut) {
  EXPECT_EQ(cut_text("short", 3, 2), "short");
  EXPECT_EQ(cut_text("0123456789", 2, 3), "01[… 5 of 10 bytes cut …]789");
  EXPECT_EQ(cut_text("0123456789", 0, 4), "[… 6 of 10 bytes cut …]6789");
}

}  // namespace
}  // namespace ecopt
