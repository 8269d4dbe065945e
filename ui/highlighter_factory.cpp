#include "ui/highlighter_factory.h"

#include "ui/markdown_highlighter.h"

#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>
#endif

namespace fabulist::ui {

#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
namespace {
// Loading the repository reads every definition file; do it once. It must outlive highlighters.
KSyntaxHighlighting::Repository& repository() {
    static KSyntaxHighlighting::Repository repo;
    return repo;
}
KSyntaxHighlighting::Theme themeFor(ColorScheme scheme) {
    return repository().defaultTheme(scheme == ColorScheme::Dark
                                         ? KSyntaxHighlighting::Repository::DarkTheme
                                         : KSyntaxHighlighting::Repository::LightTheme);
}
} // namespace
#endif

QSyntaxHighlighter* createHighlighter(QTextDocument* document, ColorScheme scheme) {
#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
    const KSyntaxHighlighting::Definition markdown = repository().definitionForName("Markdown");
    if (markdown.isValid()) {
        auto* h = new KSyntaxHighlighting::SyntaxHighlighter(document);
        h->setDefinition(markdown);
        h->setTheme(themeFor(scheme));
        return h;
    }
#endif
    return new MarkdownHighlighter(document, scheme);
}

void setHighlighterScheme(QSyntaxHighlighter* highlighter, ColorScheme scheme) {
    if (auto* own = qobject_cast<MarkdownHighlighter*>(highlighter)) {
        own->setScheme(scheme);
        return;
    }
#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
    if (auto* k = dynamic_cast<KSyntaxHighlighting::SyntaxHighlighter*>(highlighter)) {
        k->setTheme(themeFor(scheme));
        k->rehighlight();
    }
#endif
}

} // namespace fabulist::ui
