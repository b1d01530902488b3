// The name of the machine this process runs on, as run records, lease owners, job locks and holder
// locks name it.
#pragma once

#include <string>

namespace hc {

// gethostname(); "localhost" when it fails or is empty.
std::string HostName();

}  // namespace hc
