// `healthcrawl select SELECTOR [FILE|-]`: runs a CSS selector over a saved page and prints what it
// yields, one match per line — the quickest way to write and check a selector config by hand.
//
//   text of each matched element (Text(): block-aware, whitespace-normalized)  by default
//   outer HTML of each matched element                                          with --html
//   each direct text child / attribute value                                   for ::text / ::attr(x)
//
// The page is decoded to UTF-8 as a fetched page would be (BOM, --content-type, <meta>, detection).
// Exit codes: 0 something matched; 1 nothing matched (or the page could not be parsed); 2 bad
// selector, bad arguments or an unreadable file.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "html/html.h"

namespace hc::cli {
namespace {

struct SelectArgs {
  std::string selector;
  std::string file = "-";
  std::string content_type;
  bool html = false;
  bool null_separated = false;
};

bool ReadInput(const std::string& file, std::string& out) {
  if (file == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    out = std::move(buffer).str();
    return !std::cin.bad();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int RunSelect(const SelectArgs& args) {
  auto selector = html::Selector::Compile(args.selector);
  if (!selector.ok()) {
    spdlog::error("selector: {}", selector.status().message());
    return kExitUsage;
  }
  if (args.html && selector->output() != html::Selector::Output::kElement) {
    spdlog::error("--html prints elements; it cannot be combined with ::text or ::attr()");
    return kExitUsage;
  }
  std::string bytes;
  if (!ReadInput(args.file, bytes)) {
    spdlog::error("cannot read {}", args.file == "-" ? std::string("standard input") : args.file);
    return kExitUsage;
  }
  html::DecodedText decoded = html::DecodeToUtf8(bytes, args.content_type);
  spdlog::debug("decoded {} as {} ({})", args.file, decoded.charset, decoded.source);
  auto doc = html::Document::Parse(std::move(decoded.utf8));
  if (!doc.ok()) {
    spdlog::error("{}: {}", args.file, doc.status().ToString());
    return kExitFailure;
  }
  if (const html::Document::Nesting& nesting = doc->nesting(); nesting.limited()) {
    // As `extract` warns (through Extract): matches below the limit may be missing.
    spdlog::warn("{}: elements nested {} deep, over the nesting limit of {}: the content below that depth was flattened",
                 args.file, nesting.depth, nesting.limit);
  }

  std::vector<std::string> values;
  if (args.html) {
    for (html::Node n : html::Select(doc->document(), *selector)) values.push_back(html::OuterHtml(n));
  } else {
    values = html::SelectStrings(doc->document(), *selector);
  }
  const char separator = args.null_separated ? '\0' : '\n';
  for (const std::string& v : values) {
    std::fwrite(v.data(), 1, v.size(), stdout);
    std::fputc(separator, stdout);
  }
  std::fflush(stdout);
  if (values.empty()) {
    spdlog::info("no match for {}", args.selector);
    return kExitFailure;
  }
  return kExitOk;
}

void RegisterSelect(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<SelectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "select", "Print what a CSS selector matches in a saved page (text, --html, ::text, ::attr(x))");
  cmd->add_option("selector", args->selector, "CSS selector, may end in ::text or ::attr(name)")->required();
  cmd->add_option("file", args->file, "HTML file, or - for standard input")->capture_default_str();
  cmd->add_flag("--html", args->html, "Print the outer HTML of each match instead of its text");
  cmd->add_option("--content-type", args->content_type,
                  "Content-Type header the page was served with (for its charset)");
  cmd->add_flag("-0,--null", args->null_separated,
                "End each match with a NUL byte instead of a newline (values may contain newlines)");
  cmd->footer("Exit codes: 0 matched; 1 no match; 2 bad selector, arguments or file.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunSelect(*args); });
}

static CommandRegistration reg(40, &RegisterSelect);

}  // namespace
}  // namespace hc::cli
