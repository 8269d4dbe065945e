#include "ui/models/download_request.h"

#include <QFileInfo>

namespace fabulist::ui {

QString displayNameOf(const DownloadRequest& request) {
    return request.displayName.isEmpty() ? QFileInfo(request.targetPath).fileName()
                                         : request.displayName;
}

bool isActive(DownloadState state) {
    return state == DownloadState::Connecting || state == DownloadState::Downloading ||
           state == DownloadState::Retrying || state == DownloadState::Verifying;
}

bool isDone(DownloadState state) {
    return state == DownloadState::Finished || state == DownloadState::Failed ||
           state == DownloadState::Cancelled;
}

} // namespace fabulist::ui
