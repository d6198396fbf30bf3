// Scanner User-Agents: case-insensitive substrings, the built-in list, and what must pass.

#include "protection/scanner_matcher.h"

#include <gtest/gtest.h>

#include "protection/config.h"

namespace sb::protection {
namespace {

TEST(ScannerMatcher, BuiltInListCatchesKnownScanners) {
    ScannerMatcher m(ProtectionConfig{}.scanner_user_agents);
    EXPECT_EQ(m.match("friendly-scanner"), "friendly-scanner");
    EXPECT_EQ(m.match("Friendly-Scanner/1.0"), "friendly-scanner");
    EXPECT_EQ(m.match("sipvicious 0.3.4"), "sipvicious");
    EXPECT_EQ(m.match("SIPVICIOUS"), "sipvicious");
    EXPECT_EQ(m.match("sipcli/v1.8"), "sipcli");
    EXPECT_EQ(m.match("VaxSIPUserAgent/3.1"), "VaxSIPUserAgent");
    EXPECT_EQ(m.match("iWar"), "iWar");
    EXPECT_EQ(m.match("SIVuS Scanner"), "SIVuS");
    EXPECT_EQ(m.match("sundayddr"), "sundayddr");
    EXPECT_EQ(m.match("smap 0.6.0"), "smap");
    EXPECT_EQ(m.match("pplsip"), "pplsip");
    EXPECT_EQ(m.match("sipscan"), "SIPScan");
    EXPECT_EQ(m.match("sip-scan"), "sip-scan");
    EXPECT_EQ(m.match("Gulp"), "Gulp");
}

TEST(ScannerMatcher, RealPhonesAndToolsPass) {
    ScannerMatcher m(ProtectionConfig{}.scanner_user_agents);
    for (std::string_view ua :
         {"", "sipsak 0.9.8.1", "Linphone/5.2.0 (belle-sip/5.2.0)", "MicroSIP/3.21.3",
          "Zoiper rv2.10.19.5", "baresip v2.0.0 (x86_64/linux)", "Yealink SIP-T46S 66.86.0.15",
          "Grandstream GXP2170 1.0.11.3", "Asterisk PBX 20.5.0", "FreeSWITCH-mod_sofia/1.10.10",
          "Cisco-CP8841/12.8.1", "PolycomVVX-VVX_450-UA/6.4.3.5156", "Switchboard"}) {
        EXPECT_TRUE(m.match(ua).empty()) << ua;
    }
}

TEST(ScannerMatcher, ConfiguredListAndEmptyList) {
    ScannerMatcher m({"BadBot", "evil"});
    EXPECT_EQ(m.match("my badbot 2"), "BadBot");
    EXPECT_EQ(m.match("EVIL"), "evil");
    EXPECT_TRUE(m.match("friendly-scanner").empty());
    EXPECT_TRUE(m.match("bad bot").empty());
    ScannerMatcher none({});
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(none.match("friendly-scanner").empty());
}

TEST(ScannerMatcher, PatternLongerThanTheValue) {
    ScannerMatcher m({"friendly-scanner"});
    EXPECT_TRUE(m.match("friendly").empty());
    EXPECT_EQ(m.match("xfriendly-scannerx"), "friendly-scanner");
}

}  // namespace
}  // namespace sb::protection
