#pragma once
// How ECOpt prints numbers to people: one rule for the page, the model
// card and the CLI. Its own header so that changing a format rebuilds only
// what prints.
#include <string>

namespace ecopt {

// 4 significant digits ("0.03082", "1.235e+05"), "-" when it is not finite.
std::string format_number(double value);
// An energy the same way, with an SI prefix: "7.812 mJ", "1.355 kJ"; "n/a"
// when it is not finite.
std::string format_joules(double joules);
// A duration to the second below an hour, to the minute above: "42s",
// "3m05s", "2h07m"; negative counts as 0.
std::string format_duration(double seconds);

}  // namespace ecopt
