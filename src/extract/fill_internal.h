// Internal to src/extract: the fields a record rule yields for fill counting, shared by FillTally
// (fill_tally.cc) and the check of `alerts.fill` keys at load (config.cc).
#pragma once

#include <vector>

#include "extract/extract_internal.h"
#include "extract/fill.h"

namespace hc::extract {

// The configured fields of `rule`, in config order: canonical fields, extra fields, then each list
// (the list itself, then its items' fields, recursively), labelled as FillFloor::field.
std::vector<FillTally::Field> FillFieldsOf(const RecordRule& rule);

}  // namespace hc::extract
