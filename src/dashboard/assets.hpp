#pragma once
// The dashboard's scripts and the index's stylesheet, embedded at build
// time from src/dashboard/assets/ so that the binary serves them alone.
namespace ecopt::dashboard::assets {

extern const char* const kDashboardJs;  // live updates of a study page
extern const char* const kIndexJs;      // the list of studies
extern const char* const kIndexCss;

}  // namespace ecopt::dashboard::assets
