#pragma once
// The report's stylesheet and script, embedded at build time from
// src/report/assets/ so that report.html opens offline.
namespace ecopt::report::assets {

extern const char* const kReportCss;
extern const char* const kReportJs;
// The selection panel's (html/selection.cpp), apart from report.js's.
extern const char* const kChooseCss;
extern const char* const kChooseJs;

}  // namespace ecopt::report::assets
