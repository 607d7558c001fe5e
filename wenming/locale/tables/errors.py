"""Chinese for the error pages (wenming/templates/400.html, 403.html, 404.html, 500.html)."""

TABLE = {
    ("error page", "Bad request"): "请求有误",
    ("error page", "Not allowed"): "无权操作",
    ("error page", "Not found"): "页面不存在",
    ("error page", "Something went wrong"): "出错了",
    "The request could not be understood. Go back, check what you entered and try again.": "无法处理该请求。请返回上一页，检查填写的内容后重试。",
    "Your account may not do this. If you think it should, ask the campaign office.": "您的账号无权执行此操作。如确需办理，请联系创城办。",
    "This page does not exist, or it is not within your responsibility.": "该页面不存在，或不在您的职责范围内。",
    "The server could not complete the request. Nothing you did caused this; try again in a moment, and tell the campaign office if it keeps happening.": "服务器未能完成该请求，这不是您的操作造成的。请稍后重试；如仍出现，请告知创城办。",
}
