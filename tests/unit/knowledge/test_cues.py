"""Danger and the office's services are noticed wherever a resident mentions them.

Phrasings are the team's own: plain, dialect, traditional characters, typos, full-width
characters, and cues buried in long stories about something else.
"""

from __future__ import annotations

import pytest

from knowledge.reading.cues import CueBook, CuePatterns, load_cues

SAFETY = [
    # violence
    ("我老公喝了酒就打我", "violence"),
    ("他昨天晚上又动手了，我脸上现在还是青的", "violence"),
    ("俺男人天天揍俺，娃也跟着挨打", "violence"),
    ("被他打得鼻青脸肿，去医院验了伤", "violence"),
    ("我老公經常打我，還打孩子", "violence"),  # traditional characters
    ("他经常对我家暴，我受不了了", "violence"),
    ("婆婆和老公一起拳打脚踢把我赶出来", "violence"),
    ("前夫离婚后还跑来掐我脖子", "violence"),
    ("儿子儿媳虐待我这个老太婆，不给饭吃还推我", "violence"),
    ("邻居老头给我女儿糖吃，还摸了她下体，孩子才九岁", "violence"),
    ("他女朋友没满十四岁，两个人发生关系了，会判刑吗", "violence"),
    ("他拿刀追着我砍", "violence"),
    ("结婚十年了，孩子上初中，房子是婚前他买的，最近他总是喝酒，一不顺心就打我，我想离婚，房子能分吗", "violence"),
    ("ＴＡ打我", "violence"),  # full-width letters
    ("我爸打我妈，打得住院了", "violence"),
    ("被继父打伤了，能不能告他", "violence"),
    ("老公把我打骨折了还不让我报警", "violence"),
    ("他动不动就扇我耳光，扇了我好几次", "violence"),
    ("我们村有人把我爸打晕了", "violence"),
    ("家庭暴力的证据怎么留，我身上有伤痕", "violence"),
    ("他喝醉就踹我肚子，我还怀着孕", "violence"),
    ("同居的男朋友动刀子吓唬我", "violence"),
    # threat
    ("他扬言要杀我全家", "threat"),
    ("前夫威胁我说不复婚就弄死我", "threat"),
    ("债主天天打电话恐吓我，说要找人收拾我", "threat"),
    ("他说要把我砍死，我很害怕", "threat"),
    ("邻居说要放火烧我家房子", "threat"),
    ("他威脅我如果離婚就殺了我", "threat"),  # traditional
    ("分居好几年了，他说我要是敢起诉离婚他就要我命", "threat"),
    ("对方找人堵在我家门口，扬言不给钱就报复我们", "threat"),
    ("他发短信说要泼硫酸", "threat"),
    ("男朋友分手后一直要挟我，说要捅死我", "threat"),
    # self-harm
    ("我不想活了", "self_harm"),
    ("被骗了二十万，真的活不下去了", "self_harm"),
    ("我妈说要喝农药", "self_harm"),
    ("老公出轨还要离婚，我想死", "self_harm"),
    ("欠了一屁股债，想从楼上跳下去一了百了，不如死了算了", "self_harm"),
    ("我姐姐割腕了，现在在医院", "self_harm"),
    ("他说要是我离婚他就上吊", "self_harm"),
    ("我真的不想活了，孩子怎么办", "self_harm"),
    ("我真的不想活嘞", "self_harm"),
    ("公司不给工资，工友说要跳楼讨薪", "self_harm"),
    # detained
    ("我儿子昨天被派出所带走了", "detained"),
    ("老公被抓了，现在在看守所", "detained"),
    ("我弟被刑拘了，家属能做什么", "detained"),
    ("他因为打架被拘留了十天", "detained"),
    ("我爸被公安带走了，说是涉嫌诈骗", "detained"),
    ("孩子被逮捕了，能不能取保候审", "detained"),
    ("我老公被抓起來了，怎麼辦", "detained"),  # traditional
    ("侄子被关进去三天了，家里一点消息都没有", "detained"),
    # deadline
    ("明天就开庭了，我还没找到律师", "deadline"),
    ("判决书收到好几天了，上诉期还剩三天", "deadline"),
    ("下周一开庭，对方请了律师，我该准备什么", "deadline"),
    ("拆迁办说三天内不搬就强拆", "deadline"),
    ("法院传票上写后天开庭", "deadline"),
    ("马上要开庭了，我不想离婚该怎么说", "deadline"),
    ("仲裁的期限这两天就到期了", "deadline"),
]

NO_DANGER = [
    "打官司要多少钱",
    "借条怎么打才有效",
    "他给我打电话说要起诉我",
    "我在外面打工，老板不给工资",
    "钱已经打到他卡上了",
    "打算下个月离婚，财产怎么分",
    "离婚冷静期是多少天",
    "他威胁说要起诉我，我该怎么办",
    "医生说要动手术，费用谁出",
    "养的蜜蜂被邻居打农药毒死了，能要他赔吗",
    "暴力催收合法吗",
    "房子是婚前买的，离婚能分吗",
]

SERVICES = [
    ("我没钱请律师怎么办", "legal_aid"),
    ("家里困难，请不起律师", "legal_aid"),
    ("包工头欠了半年工钱，律师费太贵出不起", "legal_aid"),
    ("能申请法律援助吗", "legal_aid"),
    ("有没有免费的律师", "legal_aid"),
    ("請不起律師怎麼辦", "legal_aid"),
    ("邻居家漏水把我家泡了，想找人调解一下", "mediation"),
    ("想让村委会出面协调一下地界的事", "mediation"),
    ("和婆家闹翻了，想找个人评评理", "mediation"),
    ("能不能请居委会出面管管楼上噪音", "mediation"),
    ("遗嘱公证要带什么材料", "notarization"),
    ("房子赠与给儿子要不要做公正", "notarization"),
    ("出国要办亲属关系公证", "notarization"),
    ("想找个律师问问离婚的事", "lawyer"),
    ("能帮我约个律师吗", "lawyer"),
    ("这种情况需要律师吗", "lawyer"),
]

NO_SERVICE = [
    "请问律师，离婚后孩子归谁",
    "律师您好，借钱不还怎么办",
    "法院调解书生效了对方不履行怎么办",
    "我们已经调解过了，他还是不给钱",
    "离婚冷静期是多少天",
]


@pytest.fixture(scope="module")
def cues() -> CueBook:
    return load_cues()


@pytest.mark.parametrize(("message", "cue"), SAFETY)
def test_danger_is_noticed_in_any_phrasing(cues: CueBook, message: str, cue: str) -> None:
    assert cue in cues.safety_in(message)


@pytest.mark.parametrize("message", NO_DANGER)
def test_everyday_words_that_contain_danger_characters_raise_nothing(cues: CueBook, message: str) -> None:
    assert cues.safety_in(message) == []


@pytest.mark.parametrize(("message", "cue"), SERVICES)
def test_a_service_the_story_calls_for_is_noticed(cues: CueBook, message: str, cue: str) -> None:
    assert cue in cues.services_in(message)


@pytest.mark.parametrize("message", NO_SERVICE)
def test_greeting_a_lawyer_or_a_past_mediation_offers_no_service(cues: CueBook, message: str) -> None:
    assert cues.services_in(message) == []


def test_every_safety_cue_has_written_cases() -> None:
    assert len(SAFETY) >= 50
    assert {cue for _, cue in SAFETY} == {"violence", "threat", "self_harm", "detained", "deadline"}


def test_a_broken_pattern_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="bad pattern"):
        CuePatterns(patterns=["(unclosed"])


def test_ignored_words_do_not_join_their_neighbours_into_a_cue() -> None:
    # Removing 打电话 must not glue 被 and 打 of different words into "被…打".
    patterns = CuePatterns(patterns=["被.{0,3}打"], ignore=["打电话"])
    assert not patterns.found_in("被他打电话骂")


@pytest.mark.parametrize(
    "message", ["她找人来我家打砸好几次了", "孩子在学校被老师猥亵了", "邻居把我家窗户砸烂了还要打人"]
)
def test_attacks_on_home_and_sexual_abuse_count_as_violence(cues: CueBook, message: str) -> None:
    assert "violence" in cues.safety_in(message)
