#include "ui/editor/word_counter.h"

#include "storage/document_repository.h"

#include <QString>

namespace fabulist::ui {

int countWords(QStringView text) {
    QString normalized = text.toString();
    normalized.replace(QChar::ParagraphSeparator, u'\n');
    normalized.replace(QChar::LineSeparator, u'\n');
    const QByteArray utf8 = normalized.toUtf8();
    return int(storage::countWords(std::string_view(utf8.constData(), size_t(utf8.size()))));
}

} // namespace fabulist::ui
