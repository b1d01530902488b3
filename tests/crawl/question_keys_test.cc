// An answer card on an article links to a question page by a URL that may differ from the page's own
// (tracking parameters the site's url_normalization strips). crawl computes the dedupe key of each
// such URL when it observes the page (PageObservation::record_url_keys), so that the card's answer and
// the question page meet in one questions row; store never calls back into crawl to ask.
#include <gtest/gtest.h>

#include <string>

#include "crawl/crash_support.h"  // QueryInt
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

store::RawResponse Response(const std::string& url, std::string body) {
  store::RawResponse response;
  response.url = url;
  response.status = 200;
  response.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  response.body = std::move(body);
  EXPECT_TRUE(ParseIso8601("2026-03-01T02:00:00Z", &response.fetched_at));
  return response;
}

TEST(QuestionKeysTest, CardAndQuestionPageMeetInOneQuestionsRow) {
  auto program = hc::testing::LoadProgram("mfk");
  const auto site = hc::testing::FixturesDir() / "sites" / "mfk";
  std::string article = hc::testing::ReadFile(site / "article.html");
  const std::string href = "/question/58176015.html";
  const auto at = article.find("href=\"" + href + "\"");
  ASSERT_NE(at, std::string::npos);
  article.insert(at + 6 + href.size(), "?utm_source=feed&amp;from=home");
  const std::string card_url = "https://www.mfk.com/question/58176015.html?utm_source=feed&from=home";

  const std::string question_html = hc::testing::ReadFile(site / "question-58176015.html");
  const store::PageObservation question = ObservePage(
      program, Response("https://www.mfk.com/question/58176015.html", question_html), /*archive=*/false);
  ASSERT_TRUE(question.failure_reason.empty()) << question.failure_reason;
  const store::PageObservation card_page =
      ObservePage(program, Response("https://www.mfk.com/article/1620381.html", article), /*archive=*/false);
  ASSERT_TRUE(card_page.failure_reason.empty()) << card_page.failure_reason;
  ASSERT_EQ(card_page.record_url_keys.count(card_url), 1u);
  EXPECT_EQ(card_page.record_url_keys.at(card_url), question.url_key);

  struct Case {
    const char* name;
    bool keys;          // the observation keeps the keys crawl computed
    int64_t questions;  // rows for question 58176015
  };
  for (const Case& c :
       {Case{"with the keys: one row", true, 1}, Case{"without: the card's own URL", false, 2}}) {
    SCOPED_TRACE(c.name);
    hc::testing::TempDir dir;
    const std::string db = (dir / "q.db").string();
    {
      auto store = store::OpenDatabase(db);
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      store::PageObservation with_card = card_page;
      if (!c.keys) with_card.record_url_keys.clear();
      ASSERT_TRUE((*store)->PutPage(with_card).ok());
      ASSERT_TRUE((*store)->PutPage(question).ok());
      ASSERT_TRUE((*store)->Flush().ok());
    }
    using hc::testing::QueryInt;
    EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM questions WHERE url LIKE '%/question/58176015.html%'"),
              c.questions);
    if (c.keys) {
      EXPECT_EQ(QueryInt(db,
                         "SELECT count(*) FROM questions q JOIN answers a ON a.question_id = q.id"
                         " JOIN article_questions aq ON aq.answer_id = a.id"
                         " WHERE q.url = '" +
                             question.url_key + "' AND q.page_id IS NOT NULL"),
                1);
    }
  }
}

}  // namespace
}  // namespace hc::crawl
