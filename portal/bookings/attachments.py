"""Uploaded files: PDFs and images checked by their content, stored outside the web root under random names.

Post-order attachments of a draft are kept here; the back office's field files (``portal.staffing.notes``) use
the same checks, storage and download.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import Response, current_app, send_file
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from portal.bookings.queries import NotFound
from portal.extensions import db
from portal.models import Attachment, Booking, BookingStatus, User
from portal.models.types import utcnow

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
_EXTENSIONS = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "webp": "image/webp",
}
_LABELS = {"application/pdf": "a PDF", "image/png": "a PNG image", "image/jpeg": "a JPEG image",
           "image/gif": "a GIF image", "image/webp": "a WebP image"}


class AttachmentError(ValueError):
    pass


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes prove, or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "bookings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_attachment(booking: Booking, user: User, upload: FileStorage | None) -> Attachment:
    """Store a checked file on a draft. The limit of MAX_ATTACHMENTS holds under parallel uploads: the
    files are counted after the booking row is written (see below), and the new one is added in the same
    transaction."""
    if not booking.is_draft:
        raise AttachmentError("Files can be added while the request is a draft.")
    if upload is None or not upload.filename:
        raise AttachmentError("Choose a file to attach.")
    if len(booking.attachments) >= MAX_ATTACHMENTS:
        raise AttachmentError(f"A request holds at most {MAX_ATTACHMENTS} files; remove one first.")
    checked = read_upload(upload)
    # Writing the booking row first (its updated_at) locks it until commit, on both databases: PostgreSQL
    # holds the row lock, SQLite the one writer's lock (pysqlite starts the transaction at the first write,
    # so a SELECT ... FOR UPDATE would lock nothing there). A parallel upload waits here, then counts what
    # this one committed; without the lock, 20 parallel uploads to a draft with 9 files stored 11 to 21.
    draft = (Booking.id == booking.id) & (Booking.status == BookingStatus.DRAFT)
    if db.session.execute(update(Booking).where(draft).values(updated_at=utcnow())).rowcount != 1:
        db.session.rollback()
        raise AttachmentError("Files can be added while the request is a draft.")
    count = select(func.count(Attachment.id)).where(Attachment.booking_id == booking.id)
    if db.session.scalar(count) >= MAX_ATTACHMENTS:
        db.session.rollback()
        raise AttachmentError(f"A request holds at most {MAX_ATTACHMENTS} files; remove one first.")
    attachment = Attachment(
        booking=booking, original_name=checked.name, stored_name=store(checked.content),
        content_type=checked.content_type, size_bytes=len(checked.content), uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


@dataclass(frozen=True)
class Upload:
    content: bytes
    content_type: str  # what the content proves it is
    name: str  # to show and to download it under


def read_upload(upload: FileStorage) -> Upload:
    """An uploaded PDF or image, its type checked by its first bytes against its name, at most
    ``MAX_ATTACHMENT_BYTES``; raises ``AttachmentError`` with a sentence for the user."""
    ext = PurePath(upload.filename.replace("\\", "/")).suffix.lower().lstrip(".")
    expected = _EXTENSIONS.get(ext)
    if expected is None:
        raise AttachmentError("Attach a PDF or an image (PNG, JPEG, GIF or WebP).")
    content = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(f"The file is larger than {_size(MAX_ATTACHMENT_BYTES)}. Please attach a smaller file.")
    if not content:
        raise AttachmentError("The file is empty.")
    actual = sniff(content[:16])
    if actual != expected:
        raise AttachmentError(f"The file is named .{ext} but its content is not {_LABELS[expected]}.")
    return Upload(content, actual, display_name(upload.filename, ext))


def store(content: bytes) -> str:
    """Write ``content`` under a new random name in the upload folder (readable by the portal only)."""
    stored = secrets.token_hex(16)
    path = upload_dir() / stored
    with open(path, "xb") as out:
        out.write(content)
    path.chmod(0o600)
    return stored


def send_stored(stored_name: str, content_type: str, download_name: str) -> Response:
    """A stored file as a download that no browser will run: private, not cached, sandboxed."""
    path = upload_dir() / stored_name
    if not path.is_file():
        raise NotFound(stored_name)
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def display_name(filename: str, ext: str) -> str:
    """The name to show and download a file under: the employer's own, in any script (план.pdf, 地图.pdf),
    without folders, control or formatting characters, at most 120 characters; else ``attachment.<ext>``.

    It is only ever shown (escaped) and sent as the download name: the file is stored under a random name.
    """
    name = unicodedata.normalize("NFC", PurePath(filename.replace("\\", "/")).name)
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem = " ".join(name[: -len(ext) - 1].split()).strip(" .")[:120 - len(ext) - 1]
    return f"{stem}.{ext}" if stem else f"attachment.{ext}"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def attachment_path(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name


def get_attachment(booking: Booking, attachment_id: int) -> Attachment:
    found = next((a for a in booking.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound(attachment_id)
    return found


def remove_attachment(booking: Booking, attachment: Attachment) -> None:
    if not booking.is_draft:
        raise AttachmentError("Files can be removed while the request is a draft.")
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)

