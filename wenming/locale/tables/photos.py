"""zh-hans translations of the photo pipeline's messages (wenming/core/photos.py)."""

TABLE = {
    "At most %(max)d photos can be attached at once; %(count)d were sent.": (
        "每次最多上传 %(max)d 张照片，本次提交了 %(count)d 张。"
    ),
    "Photo %(number)d (%(name)s): %(problem)s": "第 %(number)d 张照片（%(name)s）：%(problem)s",
    "Photo %(number)d: %(problem)s": "第 %(number)d 张照片：%(problem)s",
    "the file is %(size)s; at most %(max)s is allowed.": "文件大小为 %(size)s，最大允许 %(max)s。",
    "the file is not an image; please upload %(formats)s.": (
        "该文件不是图片，请上传 %(formats)s 格式的照片。"
    ),
    "the file is empty.": "文件为空。",
    "HEIC photos are not supported on this server; please upload JPEG or PNG.": (
        "本服务器不支持 HEIC 格式的照片，请上传 JPEG 或 PNG 格式的照片。"
    ),
    "%(format)s files are not accepted; please upload %(formats)s.": (
        "不接受 %(format)s 格式的文件，请上传 %(formats)s 格式的照片。"
    ),
    "the image has too many pixels; at most %(max)s megapixels are allowed.": (
        "图片像素过多，最多允许 %(max)s 百万像素。"
    ),
    "the image is %(width)d × %(height)d pixels (%(pixels)s megapixels); at most %(max)s megapixels are allowed.": (
        "图片尺寸为 %(width)d × %(height)d 像素（%(pixels)s 百万像素），最多允许 %(max)s 百万像素。"
    ),
    "the image is damaged or incomplete (perhaps the upload was cut off); please upload it again.": (
        "图片已损坏或不完整（可能上传中断），请重新上传。"
    ),
}
