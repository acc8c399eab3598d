#pragma once
// The report's stylesheet and script, embedded at build time from
// src/report/assets/ so that report.html opens offline.
namespace ecopt::report::assets {

extern const char* const kReportCss;
extern const char* const kReportJs;

}  // namespace ecopt::report::assets
