"""The imports' files in S3 (the project bucket, under ``tenant/<id>/…``) and the presigned
URLs a tenant uses to upload a file (PUT) or download a report or an archive (GET)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

_MISSING = ("NoSuchKey", "404", "NotFound")


class S3Files:
    def __init__(self, client: Any, bucket: str, presigner: Callable[[], Any]) -> None:
        self._s3 = client
        self._bucket = bucket
        self._presigner = presigner  # built on first use: most calls never presign

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None:
        extra = {"ContentType": content_type}
        self._s3.upload_fileobj(stream, self._bucket, key, ExtraArgs=extra)

    def get(self, key: str) -> bytes | None:
        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        data: bytes = found["Body"].read()
        return data

    def size(self, key: str) -> int | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    def upload_url(self, key: str, content_type: str, seconds: int) -> str:
        params = {"Bucket": self._bucket, "Key": key, "ContentType": content_type}
        url: str = self._presigner().generate_presigned_url(
            "put_object", Params=params, ExpiresIn=seconds
        )
        return url

    def download_url(self, key: str, filename: str, seconds: int) -> str:
        params = {
            "Bucket": self._bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        }
        url: str = self._presigner().generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds
        )
        return url
