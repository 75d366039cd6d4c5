"""Resident-facing text the API itself produces (input problems, outages)."""

EMPTY_MESSAGE = "请输入您想问的问题，比如“欠条过期了还能要钱吗”。"
MESSAGE_TOO_LONG = "您的消息太长了（超过{limit}个字），我一次读不完。请分几段发送，或者点“转人工”。"
DIALOGUE_UNAVAILABLE = (
    "系统正在忙或正在重启，您的消息还没有发出去，请稍等片刻再点发送。着急的话请拨打12348公共法律服务热线。"
)
# The engine answered nothing (an action failed, e.g. the action server is down): never silence.
NO_REPLY = (
    "抱歉，这次没能给您答复，可能是系统出了点问题。请稍后再发一次；着急的话请拨打12348公共法律服务热线，"
    "遇到危险请马上拨打110。"
)
# The database is unreachable for a moment (e.g. PostgreSQL restarting): api/database_errors.py.
DATABASE_UNAVAILABLE = (
    "系统正在维护，您的消息这次没有处理成功，请稍等片刻再发一次。着急的话请拨打12348公共法律服务热线。"
)
BAD_SENDER = "会话编号不正确，请刷新页面后重试。"
# Shown above an article of a shipped text that has since been revised ({note}: what replaced it).
STATUTE_SUPERSEDED = (
    "已修订：这一条出自已经被修订的旧文本（{note}），不是现行规定，请不要据此办事。"
    "现行规定请以国家正式公布的文本为准，也可以拨打12348公共法律服务热线问一问。"
)
STATUTE_NOT_FOUND = "没有找到这条法律条文，请检查法律名称和条号，例如“民法典第一千零七十七条”。"
INVALID_REQUEST = "请求格式不正确，请刷新页面后重试。"

# A member of staff has taken over the conversation (api/services/takeover.py).
TAKEOVER_JOINED = "工作人员{name}已加入对话，接下来由工作人员直接回复您。"
TAKEOVER_LEFT = "工作人员已离开对话，接下来由法律服务助手继续为您服务。还需要人工帮助，随时点“转人工”。"
TAKEOVER_WAITING = "您的消息已转给工作人员，请稍候，工作人员会在这里回复您。"
# Said at once when a resident in a conversation staff have taken over may be in danger (the
# assistant's own emergency reply is paused with it; the same advice as utter_emergency).
TAKEOVER_EMERGENCY = (
    "您现在有危险，请马上拨打110报警；有人受伤请拨打120。遭受家庭暴力可以拨打12338妇女儿童维权热线。"
    "请先到安全的地方，保护好自己。工作人员已看到您的消息。"
)
