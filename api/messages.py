"""Resident-facing text the API itself produces (input problems, outages)."""

EMPTY_MESSAGE = "请输入您想问的问题，比如“欠条过期了还能要钱吗”。"
MESSAGE_TOO_LONG = "您的消息太长了（超过{limit}个字），我一次读不完。请分几段发送，或者点“转人工”。"
DIALOGUE_UNAVAILABLE = (
    "系统正在忙或正在重启，您的消息还没有发出去，请稍等片刻再点发送。着急的话请拨打12348公共法律服务热线。"
)
BAD_SENDER = "会话编号不正确，请刷新页面后重试。"
STATUTE_NOT_FOUND = "没有找到这条法律条文，请检查法律名称和条号，例如“民法典第一千零七十七条”。"
INVALID_REQUEST = "请求格式不正确，请刷新页面后重试。"
