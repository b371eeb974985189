"""Chinese name data for demo records: surnames, given names, company words, places.

Every character that can appear in a generated person or company name carries its pinyin,
so e-mail addresses and web sites can be spelled from the name.
"""
from __future__ import annotations


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(item.split(":")) for item in text.split())  # type: ignore[misc]


# (surname, pinyin, weight) — weights roughly follow the share of the population (‰).
SURNAMES: tuple[tuple[str, str, int], ...] = tuple(
    (s, p, int(w)) for s, p, w in (item.split(":") for item in """
王:wang:71 李:li:79 张:zhang:71 刘:liu:54 陈:chen:45 杨:yang:31 黄:huang:23 赵:zhao:23
吴:wu:20 周:zhou:19 徐:xu:17 孙:sun:15 马:ma:14 朱:zhu:13 胡:hu:13 郭:guo:12 何:he:12
高:gao:11 林:lin:11 罗:luo:9 郑:zheng:9 梁:liang:9 谢:xie:8 宋:song:7 唐:tang:7 许:xu:7
韩:han:6 冯:feng:6 邓:deng:6 曹:cao:6 彭:peng:6 曾:zeng:5 肖:xiao:5 田:tian:5 董:dong:5
袁:yuan:4 潘:pan:4 于:yu:4 蒋:jiang:4 蔡:cai:4 余:yu:4 杜:du:4 叶:ye:4 程:cheng:4
苏:su:3 魏:wei:3 吕:lv:3 丁:ding:3 任:ren:3 沈:shen:3 姚:yao:3 卢:lu:3 姜:jiang:3
崔:cui:3 钟:zhong:3 谭:tan:2 陆:lu:2 汪:wang:2 范:fan:2 金:jin:2 石:shi:2 廖:liao:2
贾:jia:2 夏:xia:2 韦:wei:2 方:fang:2 白:bai:2 邹:zou:2 孟:meng:2 熊:xiong:2 秦:qin:2
邱:qiu:2 江:jiang:2 尹:yin:2 薛:xue:2 段:duan:1 雷:lei:1 侯:hou:1 龙:long:1 史:shi:1
陶:tao:1 黎:li:1 贺:he:1 顾:gu:1 毛:mao:1 郝:hao:1 龚:gong:1 邵:shao:1 万:wan:1 钱:qian:1
严:yan:1 武:wu:1 戴:dai:1 莫:mo:1 孔:kong:1 向:xiang:1 汤:tang:1
""".split())
)

GIVEN_CHARS = _pairs("""
伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan
杰:jie 娟:juan 涛:tao 明:ming 超:chao 秀:xiu 霞:xia 平:ping 刚:gang 英:ying 华:hua 玉:yu
萍:ping 红:hong 婷:ting 建:jian 文:wen 辉:hui 鹏:peng 宇:yu 浩:hao 晨:chen 欣:xin 怡:yi
佳:jia 子:zi 梓:zi 涵:han 轩:xuan 博:bo 思:si 雨:yu 琳:lin 晓:xiao 海:hai 志:zhi 国:guo
斌:bin 凯:kai 昊:hao 悦:yue 嘉:jia 俊:jun 峰:feng 雪:xue 慧:hui 颖:ying 倩:qian 丹:dan
成:cheng 飞:fei 亮:liang 宁:ning 瑶:yao 波:bo 鑫:xin 琪:qi 薇:wei 岩:yan 晶:jing 彤:tong
然:ran 一:yi 泽:ze 天:tian 乐:le 蕾:lei 楠:nan 雯:wen 帆:fan 卫:wei 东:dong 春:chun
立:li 新:xin 兰:lan 荣:rong 永:yong 晴:qing 诗:shi 家:jia 睿:rui 安:an 航:hang 毅:yi
""")

# Characters for a company's trade name (字号); two of them make e.g. 华创, 鼎盛.
BRAND_CHARS = _pairs("""
华:hua 创:chuang 鼎:ding 盛:sheng 恒:heng 信:xin 达:da 通:tong 远:yuan 博:bo 泰:tai 宏:hong
瑞:rui 安:an 星:xing 辰:chen 汇:hui 金:jin 宇:yu 联:lian 合:he 新:xin 锐:rui 源:yuan
智:zhi 天:tian 海:hai 峰:feng 嘉:jia 德:de 隆:long 昌:chang 中:zhong 科:ke 润:run 丰:feng
云:yun 众:zhong 诚:cheng 立:li 明:ming 亿:yi 万:wan 方:fang 正:zheng 荣:rong 凯:kai 启:qi
腾:teng 祥:xiang 永:yong 邦:bang 捷:jie 卓:zhuo 越:yue 蓝:lan 拓:tuo 广:guang 弘:hong
晟:sheng 奥:ao 易:yi 迅:xun 亚:ya 东:dong 美:mei 康:kang 佳:jia 睿:rui 乐:le 航:hang
""")

# Words after the trade name, keyed by common industry codes; "*" is used for any other code.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("机械", "精密制造", "电子", "汽车零部件", "模具", "智能装备", "五金制品", "塑胶制品"),
    "it": ("科技", "信息技术", "软件", "网络科技", "数据科技", "智能科技"),
    "wholesale_retail": ("商贸", "贸易", "供应链管理", "电子商务", "百货"),
    "logistics": ("物流", "供应链", "货运代理", "仓储服务", "国际物流"),
    "healthcare": ("医疗器械", "生物科技", "医药", "健康管理"),
    "construction": ("建设工程", "建筑装饰", "置业", "建材", "工程技术"),
    "education": ("教育科技", "教育咨询", "文化传播", "职业培训"),
    "finance": ("投资管理", "融资租赁", "保险代理", "财务咨询"),
    "food": ("食品", "餐饮管理", "农业发展", "饮品"),
    "energy": ("新能源", "化工", "环保科技", "能源科技", "光伏科技"),
    "services": ("企业管理咨询", "人力资源", "广告", "文化传媒", "会展服务"),
    "*": ("科技", "实业", "贸易", "发展", "工贸", "技术"),
}

# (suffix, weight)
COMPANY_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("有限公司", 80), ("股份有限公司", 10), ("集团有限公司", 4), ("有限责任公司", 6),
)

# province → (weight, ((city, telephone area code), ...)); weights roughly follow business density.
PROVINCES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "广东省": (14, (("广州市", "020"), ("深圳市", "0755"), ("东莞市", "0769"), ("佛山市", "0757"),
                  ("珠海市", "0756"), ("中山市", "0760"))),
    "浙江省": (13, (("杭州市", "0571"), ("宁波市", "0574"), ("温州市", "0577"), ("嘉兴市", "0573"),
                  ("绍兴市", "0575"), ("金华市", "0579"), ("台州市", "0576"))),
    "江苏省": (13, (("南京市", "025"), ("苏州市", "0512"), ("无锡市", "0510"), ("常州市", "0519"),
                  ("南通市", "0513"), ("徐州市", "0516"))),
    "上海市": (9, (("上海市", "021"),)),
    "北京市": (8, (("北京市", "010"),)),
    "山东省": (7, (("济南市", "0531"), ("青岛市", "0532"), ("烟台市", "0535"), ("潍坊市", "0536"))),
    "福建省": (5, (("福州市", "0591"), ("厦门市", "0592"), ("泉州市", "0595"))),
    "四川省": (5, (("成都市", "028"), ("绵阳市", "0816"))),
    "湖北省": (4, (("武汉市", "027"), ("宜昌市", "0717"), ("襄阳市", "0710"))),
    "湖南省": (3, (("长沙市", "0731"), ("岳阳市", "0730"))),
    "河南省": (3, (("郑州市", "0371"), ("洛阳市", "0379"))),
    "安徽省": (3, (("合肥市", "0551"), ("芜湖市", "0553"))),
    "天津市": (2, (("天津市", "022"),)),
    "重庆市": (2, (("重庆市", "023"),)),
    "陕西省": (2, (("西安市", "029"),)),
    "河北省": (2, (("石家庄市", "0311"), ("保定市", "0312"), ("唐山市", "0315"))),
    "辽宁省": (2, (("沈阳市", "024"), ("大连市", "0411"))),
    "江西省": (1, (("南昌市", "0791"),)),
}

ROADS = (
    "人民路", "中山路", "解放路", "建设路", "文化路", "和平路", "长江路", "黄河路", "新华路",
    "科技路", "创业路", "学院路", "工业大道", "滨江大道", "环城东路", "高新大道", "世纪大道",
    "东风路", "金融街", "软件园路",
)
BUILDING_WORDS = ("大厦", "中心", "广场", "国际中心", "科技园", "商务楼", "创意园")

# Mobile number prefixes in use in mainland China.
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 "
    "177 180 181 182 183 185 186 187 188 189 191 198 199"
).split()

# (domain, weight)
FREE_MAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("qq.com", 5), ("163.com", 4), ("126.com", 2), ("sina.com", 1), ("foxmail.com", 1), ("aliyun.com", 1),
)
# (top-level domain, weight)
WEB_TLDS: tuple[tuple[str, int], ...] = ((".com", 6), (".cn", 2), (".com.cn", 2), (".net", 1))

PINYIN: dict[str, str] = {
    **dict(BRAND_CHARS), **dict(GIVEN_CHARS), **{s: p for s, p, _ in SURNAMES},
}
