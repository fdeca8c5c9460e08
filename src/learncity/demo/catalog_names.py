"""Word pools for the demo catalog: course topics from the seeds, rooms, venues' hours, events, resources.

The course topics come from the seed documents: Dazhou 2014 (市花腊梅种植、健康坝坝舞、计算机技术、法律常识、家庭理财、
家庭安全、卫生保健、书画摄影、民俗文化), Fuzhou 2015 (新型职业农民、老年教育、社区（成人）教育专职干部骨干培训班、
社区工作者岗位培训、专业技术人才继续教育、“雨露计划”“春潮行动”), Chongqing (公民素养、科学素养、文化素养) and the
seven ministries 2014 (职工教育培训、农民工、“三农”、家庭教育). Everything made from them is marked as generated.
"""

# Per course kind: (title, target group codes, the room it prefers). The title is the course's name; a variant
# suffix may be added (see TITLE_SUFFIXES). Group codes are LearnerGroup.code (people migration 0002).
COURSE_TOPICS: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "community": [
        ("腊梅种植与养护", (), ""),
        ("健康坝坝舞", (), "舞蹈室"),
        ("家庭理财", (), ""),
        ("家庭安全与应急避险", (), ""),
        ("民俗文化", (), ""),
        ("垃圾分类与绿色生活", (), ""),
        ("社区志愿服务实务", (), ""),
        ("家常菜烹饪", ("women",), ""),
        ("插花艺术", ("women",), ""),
        ("茶艺与茶文化", (), ""),
        ("手工编织", ("women",), ""),
        ("普通话与城市融入", ("migrant_worker",), ""),
    ],
    "elderly": [
        ("书法（楷书）", ("elderly",), "书画室"),
        ("书法（行书）", ("elderly",), "书画室"),
        ("国画（花鸟）", ("elderly",), "书画室"),
        ("国画（山水）", ("elderly",), "书画室"),
        ("太极拳（二十四式）", ("elderly",), "舞蹈室"),
        ("合唱", ("elderly",), "合唱室"),
        ("智能手机使用", ("elderly",), "计算机室"),
        ("八段锦", ("elderly",), "舞蹈室"),
        ("声乐", ("elderly",), "合唱室"),
        ("葫芦丝", ("elderly",), ""),
        ("老年摄影", ("elderly",), ""),
        ("戏曲欣赏与演唱", ("elderly",), ""),
    ],
    "vocational": [
        ("电工（初级）", ("migrant_worker", "unemployed"), ""),
        ("低压电工作业", ("employee", "migrant_worker"), ""),
        ("育婴员", ("women", "unemployed"), ""),
        ("养老护理员", ("migrant_worker", "unemployed"), ""),
        ("电子商务", ("unemployed", "employee"), "计算机室"),
        ("直播电商运营", ("unemployed", "youth"), "计算机室"),
        ("中式烹调师", ("migrant_worker", "unemployed"), ""),
        ("家政服务员", ("women", "migrant_worker"), ""),
        ("焊工", ("migrant_worker",), ""),
        ("创业培训（SYB）", ("unemployed", "youth"), ""),
        ("“春潮行动”农民工技能提升", ("migrant_worker",), ""),
        ("企业新型学徒制培训", ("employee",), ""),
    ],
    "professional": [
        ("专业技术人员继续教育：数字经济", ("professional",), ""),
        ("专业技术人员继续教育：职业道德与诚信", ("professional",), ""),
        ("专业技术人员继续教育：人工智能应用", ("professional",), "计算机室"),
        ("专业技术人员继续教育：知识产权", ("professional",), ""),
        ("专业技术人员继续教育：安全生产", ("professional",), ""),
        ("中小学教师继续教育：信息技术应用能力", ("professional",), "计算机室"),
        ("会计人员继续教育", ("professional",), ""),
        ("工程技术人员继续教育：绿色建筑", ("professional",), ""),
    ],
    "cadre": [
        ("社区（成人）教育专职干部骨干培训班", ("civil_servant",), ""),
        ("社区工作者岗位培训", ("civil_servant",), ""),
        ("村（社区）干部培训：基层治理", ("civil_servant",), ""),
        ("机关干部培训：学习型机关建设", ("civil_servant",), ""),
        ("干部培训：依法行政", ("civil_servant",), ""),
        ("党员干部现代远程教育专题", ("civil_servant",), "计算机室"),
    ],
    "academic": [
        ("行政管理（开放教育专科）", (), ""),
        ("学前教育（开放教育本科）", (), ""),
        ("会计学（开放教育本科）", (), ""),
        ("计算机应用技术（开放教育专科）", (), "计算机室"),
        ("社会工作（开放教育本科）", (), ""),
        ("汉语言文学（开放教育本科）", (), ""),
        ("机电一体化技术（成人专科）", (), ""),
        ("护理学（成人本科）", (), ""),
    ],
    "rural": [
        ("新型职业农民培训：茶叶种植与加工", ("farmer",), ""),
        ("新型职业农民培训：果蔬绿色种植", ("farmer",), ""),
        ("新型职业农民培训：农村电商", ("farmer",), "计算机室"),
        ("水稻绿色高产栽培", ("farmer",), ""),
        ("食用菌栽培", ("farmer",), ""),
        ("果树修剪与病虫害防治", ("farmer",), ""),
        ("生猪健康养殖", ("farmer",), ""),
        ("农机操作与维护", ("farmer",), ""),
        ("乡村旅游与民宿经营", ("farmer",), ""),
        ("“雨露计划”农村劳动力转移培训", ("farmer",), ""),
    ],
    "family": [
        ("家长学校：家庭教育", ("women",), ""),
        ("家庭教育指导", (), ""),
        ("家长学校：青春期亲子沟通", (), ""),
        ("亲子阅读", ("women",), ""),
        ("科学育儿（0—3岁）", ("women",), ""),
        ("隔代教养", ("elderly",), ""),
        ("家庭安全与儿童防护", ("women",), ""),
    ],
    "health": [
        ("卫生保健", (), ""),
        ("慢性病防治", ("elderly",), ""),
        ("急救知识与心肺复苏", (), ""),
        ("中医养生", ("elderly",), ""),
        ("心理健康与压力管理", (), ""),
        ("营养与膳食", (), ""),
        ("老年人防跌倒", ("elderly",), ""),
        ("残疾人康复与自我照护", ("disabled",), ""),
    ],
    "culture": [
        ("书画摄影", (), "书画室"),
        ("民俗文化与非遗传承", (), ""),
        ("剪纸", (), "书画室"),
        ("古典诗词鉴赏", (), ""),
        ("地方戏曲", (), ""),
        ("手机摄影", (), ""),
        ("民族舞蹈", ("women",), "舞蹈室"),
        ("青少年书法", ("youth",), "书画室"),
        ("乡土历史与城市记忆", (), ""),
    ],
    "digital": [
        ("计算机技术基础", (), "计算机室"),
        ("智能手机使用与网上办事", (), "计算机室"),
        ("办公软件应用", (), "计算机室"),
        ("网络安全与防范电信诈骗", (), ""),
        ("短视频拍摄与剪辑", (), "计算机室"),
        ("人工智能入门", (), "计算机室"),
        ("残疾人信息无障碍技能", ("disabled",), "计算机室"),
    ],
    "law": [
        ("法律常识", (), ""),
        ("民法典与家庭生活", (), ""),
        ("老年人防诈骗与权益保护", ("elderly",), ""),
        ("劳动合同与劳动者权益", ("migrant_worker", "employee"), ""),
        ("消费者权益保护", (), ""),
        ("反家庭暴力法与妇女权益", ("women",), ""),
        ("法律常识进乡村", ("farmer",), ""),
    ],
}

# Suffixes that make a class of a course: the same course is offered by many institutions and terms.
TITLE_SUFFIXES: dict[str, list[str]] = {
    "community": ["", "", "（初级班）", "（提高班）", "讲座系列", "实践课"],
    "elderly": ["", "", "（初级班）", "（中级班）", "（高级班）", "（研修班）"],
    "vocational": ["", "（职业技能等级培训）", "（取证班）", "（技能提升班）"],
    "professional": ["", "（公需科目）", "（专业科目）"],
    "cadre": ["", "（第一期）", "（第二期）", "（专题班）"],
    "academic": ["", "（导学课）", "（面授辅导）"],
    "rural": ["", "（田间课堂）", "（实训班）"],
    "family": ["", "（系列讲座）", "（工作坊）"],
    "health": ["", "（系列讲座）", "（实操班）"],
    "culture": ["", "（初级班）", "（提高班）", "（兴趣班）"],
    "digital": ["", "（入门班）", "（进阶班）"],
    "law": ["", "（系列讲座）", "（普法课堂）"],
}

LEVELS: dict[str, list[str]] = {
    "elderly": ["初级", "中级", "高级"],
    "vocational": ["初级工", "中级工", "高级工"],
    "academic": ["专科", "本科"],
    "professional": ["公需科目", "专业科目"],
}

TEXTBOOK_SERIES = ["{topic}读本", "{topic}实用教程", "社区教育系列教材·{topic}", "{topic}学习指导", "{topic}（第二版）"]
# (publisher, ISBN registrant prefix after 978-7-): real prefixes, fake item numbers.
PUBLISHERS = [
    ("高等教育出版社", "04"),
    ("国家开放大学出版社", "304"),
    ("中国劳动社会保障出版社", "5167"),
    ("人民卫生出版社", "117"),
    ("中国农业出版社", "109"),
    ("福建教育出版社", "5334"),
    ("人民邮电出版社", "115"),
    ("法律出版社", "5197"),
    ("中国社会出版社", "5087"),
    ("上海教育出版社", "5444"),
]

TEACHER_SPECIALITY_EXTRA = ["社区教育", "老年教育", "成人教育", "课程开发", "教学设计", "职业指导", "心理咨询", "非遗传承"]
EXPERT_FIELDS = ["终身教育政策", "社区教育", "老年教育", "职业教育", "成人学历教育", "学分银行与资历框架",
                 "学习型城市评估", "数字化学习资源", "家庭教育", "农村成人教育", "教育统计与监测", "教育法学"]
EXPERT_ORGS = ["{province}开放大学", "{province}师范大学教育学院", "{city}教育科学研究院", "{province}社区教育指导中心",
               "{province}老年大学协会", "{city}职业技术学院继续教育学院", "{province}社会科学院"]

VOLUNTEER_SKILLS = ["智能手机辅导", "书法", "合唱指挥", "太极拳", "法律咨询", "心理疏导", "急救培训", "摄影",
                    "家庭教育指导", "图书整理", "活动组织", "手语", "电脑维修", "茶艺", "剪纸", "翻译"]
VOLUNTEER_ACTIVITIES = ["社区学习室值守", "老年人智能手机辅导", "9·28 终身教育活动日现场服务", "全民终身学习活动周志愿服务",
                        "图书馆借阅引导", "市民讲堂签到与引导", "课程助教", "送教下乡", "学习成果展布展",
                        "防诈骗宣传", "亲子阅读陪伴", "场馆讲解"]

# Rooms of a venue, by the kind of institution (or venue) it belongs to.
ROOMS = {
    "community_university": ["101教室", "102教室", "201教室", "202教室", "301教室", "计算机室", "书画室", "舞蹈室",
                             "多功能厅"],
    "community_college": ["101教室", "102教室", "201教室", "202教室", "计算机室", "书画室", "多功能厅"],
    "continuing_education_centre": ["101教室", "201教室", "计算机室", "多功能厅"],
    "community_school": ["101教室", "201教室", "计算机室", "多功能厅"],
    "learning_room": ["学习室", "活动室"],
    "elderly_university": ["201教室", "202教室", "书画室", "舞蹈室", "合唱室", "计算机室", "多功能厅"],
    "open_university": ["101教室", "102教室", "201教室", "202教室", "计算机室", "报告厅"],
    "open_university_branch": ["101教室", "201教室", "计算机室"],
    "university": ["继教楼101", "继教楼201", "继教楼301", "计算机室", "报告厅"],
    "vocational_school": ["实训室一", "实训室二", "101教室", "计算机室"],
    "vocational_centre": ["实训室一", "实训室二", "101教室", "计算机室"],
    "enterprise_training": ["培训室", "实训车间"],
    "library": ["报告厅", "多媒体阅览室", "少儿阅览室"],
    "museum": ["学术报告厅", "社教活动室"],
    "cultural_centre": ["排练厅", "书画室", "多功能厅", "舞蹈室"],
    "cultural_station": ["活动室", "多功能厅"],
    "science_museum": ["科普报告厅", "创客教室"],
    "youth_palace": ["书画室", "舞蹈室", "音乐教室", "创客教室"],
    "workers_palace": ["职工课堂", "排练厅", "多功能厅"],
}

# Venue kind: opening hours, free-open days, typical capacity range.
VENUE_HOURS = {
    "library": ("周二至周日 9:00-21:00（周一闭馆）", "全年免费开放；9·28 终身教育活动日延时开放至22:00", (300, 1500)),
    "museum": ("周二至周日 9:00-17:00（16:30停止入馆，周一闭馆）", "每周三全天免费开放；5·18 国际博物馆日免费开放",
               (500, 3000)),
    "cultural_centre": ("周二至周日 9:00-17:00", "全年免费开放；9·28 终身教育活动日免费开放", (200, 800)),
    "cultural_station": ("周一至周日 8:30-21:00", "全年免费开放", (60, 300)),
    "science_museum": ("周三至周日 9:30-17:00", "每周三全天免费开放；9·28 终身教育活动日免费开放", (800, 4000)),
    "youth_palace": ("周二至周日 8:30-20:30", "寒暑假公益课程免费开放", (300, 1200)),
    "workers_palace": ("每日 8:30-21:30", "职工课堂全年免费开放", (300, 1200)),
    "elderly_centre": ("周一至周五 8:00-17:30", "9·28 终身教育活动日免费开放", (100, 500)),
    "classroom": ("周一至周日 8:30-21:30（按课表开放）", "全年免费开放", (30, 200)),
    "gymnasium": ("每日 6:00-22:00", "8·8 全民健身日免费开放；每周一上午免费开放", (1000, 6000)),
    "school": ("周末及寒暑假 8:00-18:00 向社区居民开放", "9·28 终身教育活动日免费开放", (200, 1500)),
}
ACCESSIBILITY = ["无障碍通道、轮椅借用", "无障碍通道、无障碍卫生间、电梯", "一楼教室，无台阶", "盲道、语音导览、轮椅借用",
                 "无障碍通道、助听设备", "无障碍坡道、爱心座椅", ""]

LECTURE_TOPICS = [
    ("《民法典》与百姓生活", "law"), ("老年人如何识破电信诈骗", "law"), ("家庭教育的智慧", "family"),
    ("中医四季养生", "health"), ("人工智能与日常生活", "digital"), ("{city}历史文化漫谈", "culture"),
    ("垃圾分类新时尚", "community"), ("科学健身与慢病预防", "health"), ("家庭理财与风险防范", "community"),
    ("读懂孩子的青春期", "family"), ("古典诗词里的节气", "culture"), ("心理健康与幸福生活", "health"),
    ("数字时代的终身学习", "digital"), ("非遗里的{city}", "culture"), ("急救常识人人学", "health"),
    ("乡村振兴与新型职业农民", "rural"), ("科学育儿与家庭安全", "family"), ("书画艺术欣赏", "culture"),
]
READING_TITLES = ["经典诵读会", "好书分享会", "亲子绘本阅读", "作家见面会", "古籍修复体验", "“书香家庭”分享会",
                  "读书沙龙", "诗词大会"]
EXHIBITIONS = ["非物质文化遗产展", "{city}城市变迁老照片展", "市民书画摄影作品展", "科普互动展：走进人工智能",
               "终身学习成果展", "民俗文化展", "老年大学学员作品展", "传统手工艺展"]
LEARNING_WEEK_TITLES = ["终身学习成果展示", "“百姓学习之星”分享会", "社区教育特色课程展示", "学习型家庭经验交流会",
                        "老年教育成果汇演", "职业技能展示活动"]
ACTIVITY_DAY_TITLES = ["主题宣传活动", "学习成果展示", "社区教育进万家", "终身学习咨询服务"]

RESOURCE_TEMPLATES = {
    "video": ["《{topic}》微课第{n}讲", "{topic}：名师示范课", "{topic}视频教程（{n}）"],
    "document": ["{topic}学习手册", "{topic}知识读本（电子版）", "{topic}课程讲义"],
    "audio": ["{topic}音频课（{n}）", "听{topic}"],
    "link": ["{topic}学习专题", "{topic}在线学习平台专栏"],
}

# Venues' addresses: a road of the street (街道) and a number; a village's venue by its group (组) and number.
ROADS = ["人民路", "解放路", "中山路", "建设路", "文化路", "学府路", "朝阳路", "新华路", "胜利路", "和平路", "健康路",
         "青年路", "长安路", "民主路", "复兴路", "工业路", "滨江路", "花园路", "东风路", "光明路", "书院路", "育才路"]
# How to get there without a map: metro (only for the city's and districts' own venues) and buses.
TRANSIT_METRO = "地铁 {line} 号线「{stop}」站 {exit} 出口，步行约 {minutes} 分钟"
TRANSIT_BUS = "公交 {a}、{b} 路至「{stop}」站，步行约 {minutes} 分钟"
TRANSIT_VILLAGE = "乡镇客运班车至「{stop}」站；村委会旁，有停车场"

# Topics added for issue 15 (learners search for them in English too): (kind, (title, groups, room)).
MORE_COURSE_TOPICS: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "health": [("瑜伽", (), "舞蹈室"), ("太极拳（四十二式）", ("elderly",), "舞蹈室")],
    "community": [("英语口语", (), "")],
    "elderly": [("老年英语（旅游英语）", ("elderly",), "")],
    "digital": [("Python 编程入门", ("youth",), "计算机室"), ("少儿编程", ("youth",), "计算机室")],
}
for _kind, _entries in MORE_COURSE_TOPICS.items():
    COURSE_TOPICS[_kind].extend(_entries)

# The English titles providers give (most topics have one; a few, like the cadre classes, do not). A variant's
# suffix has its own (TITLE_SUFFIXES_EN).
TITLE_EN: dict[str, str] = {
    "腊梅种植与养护": "Wintersweet Growing and Care", "健康坝坝舞": "Square Dance for Health",
    "家庭理财": "Household Finance", "家庭安全与应急避险": "Home Safety and Emergencies", "民俗文化": "Folk Culture",
    "垃圾分类与绿色生活": "Waste Sorting and Green Living", "社区志愿服务实务": "Community Volunteering in Practice",
    "家常菜烹饪": "Home Cooking", "插花艺术": "Flower Arranging", "茶艺与茶文化": "Tea Art and Tea Culture",
    "手工编织": "Hand Knitting", "普通话与城市融入": "Mandarin for New Residents",
    "书法（楷书）": "Calligraphy (Regular Script)", "书法（行书）": "Calligraphy (Running Script)",
    "国画（花鸟）": "Chinese Painting (Flowers and Birds)", "国画（山水）": "Chinese Painting (Landscape)",
    "太极拳（二十四式）": "Tai Chi (24 Forms)", "太极拳（四十二式）": "Tai Chi (42 Forms)", "合唱": "Choir",
    "智能手机使用": "Using a Smartphone", "八段锦": "Baduanjin Qigong", "声乐": "Singing", "葫芦丝": "Cucurbit Flute",
    "老年摄影": "Photography for Seniors", "戏曲欣赏与演唱": "Chinese Opera: Listening and Singing",
    "电工（初级）": "Electrician (Entry Level)", "低压电工作业": "Low-Voltage Electrical Work", "育婴员": "Infant Care",
    "养老护理员": "Elderly Care Worker", "电子商务": "E-commerce", "直播电商运营": "Live-Stream Selling",
    "中式烹调师": "Chinese Cooking (Chef)", "家政服务员": "Housekeeping Services", "焊工": "Welding",
    "创业培训（SYB）": "Start Your Business (SYB)",
    "专业技术人员继续教育：数字经济": "Continuing Education for Professionals: Digital Economy",
    "专业技术人员继续教育：人工智能应用": "Continuing Education for Professionals: Applied AI",
    "会计人员继续教育": "Continuing Education for Accountants",
    "计算机应用技术（开放教育专科）": "Computer Applications (Open Education, Diploma)",
    "学前教育（开放教育本科）": "Early Childhood Education (Open Education, Degree)",
    "会计学（开放教育本科）": "Accounting (Open Education, Degree)",
    "护理学（成人本科）": "Nursing (Adult Degree)",
    "新型职业农民培训：茶叶种植与加工": "Farmer Training: Tea Growing and Processing",
    "新型职业农民培训：农村电商": "Farmer Training: Rural E-commerce", "水稻绿色高产栽培": "Green High-Yield Rice",
    "食用菌栽培": "Mushroom Growing", "果树修剪与病虫害防治": "Fruit Tree Pruning and Pest Control",
    "乡村旅游与民宿经营": "Rural Tourism and Guesthouses", "家长学校：家庭教育": "Parents' School: Parenting",
    "家庭教育指导": "Parenting Guidance", "亲子阅读": "Reading with Your Child", "科学育儿（0—3岁）": "Raising Children 0-3",
    "隔代教养": "Grandparenting", "卫生保健": "Health Care", "慢性病防治": "Chronic Disease Prevention",
    "急救知识与心肺复苏": "First Aid and CPR", "中医养生": "Traditional Chinese Wellness",
    "心理健康与压力管理": "Mental Health and Stress", "营养与膳食": "Nutrition and Diet",
    "老年人防跌倒": "Fall Prevention for Seniors", "书画摄影": "Calligraphy, Painting and Photography",
    "民俗文化与非遗传承": "Folk Culture and Intangible Heritage", "剪纸": "Paper Cutting",
    "古典诗词鉴赏": "Classical Chinese Poetry", "地方戏曲": "Local Opera", "手机摄影": "Smartphone Photography",
    "民族舞蹈": "Folk Dance", "青少年书法": "Calligraphy for Young People", "计算机技术基础": "Computer Basics",
    "智能手机使用与网上办事": "Smartphones and Online Services", "办公软件应用": "Office Software",
    "网络安全与防范电信诈骗": "Online Safety and Phone Scams", "短视频拍摄与剪辑": "Short Video Shooting and Editing",
    "人工智能入门": "Introduction to AI", "法律常识": "Everyday Law", "民法典与家庭生活": "The Civil Code and Family Life",
    "老年人防诈骗与权益保护": "Scam Prevention and Rights for Seniors",
    "劳动合同与劳动者权益": "Labour Contracts and Workers' Rights", "消费者权益保护": "Consumer Rights",
    "瑜伽": "Yoga", "英语口语": "Spoken English", "老年英语（旅游英语）": "English for Seniors (Travel English)",
    "Python 编程入门": "Python Programming for Beginners", "少儿编程": "Coding for Children",
}
TITLE_SUFFIXES_EN: dict[str, str] = {
    "（初级班）": " (Beginners)", "（提高班）": " (Improvers)", "讲座系列": ": Lecture Series", "实践课": ": Practice",
    "（中级班）": " (Intermediate)", "（高级班）": " (Advanced)", "（研修班）": " (Study Group)",
    "初级班": " (Beginners)", "中级班": " (Intermediate)", "高级班": " (Advanced)", "研修班": " (Study Group)",
    "提高班": " (Improvers)", "（职业技能等级培训）": " (Skills Certificate Training)",
    "（取证班）": " (Certificate Class)", "（技能提升班）": " (Skills Upgrade)", "（公需科目）": " (General Subjects)",
    "（专业科目）": " (Specialist Subjects)", "（导学课）": " (Induction)", "（面授辅导）": " (Tutorials)",
    "（田间课堂）": " (Field Class)", "（实训班）": " (Hands-on Class)", "（系列讲座）": ": Lecture Series",
    "（工作坊）": ": Workshop", "（实操班）": " (Hands-on Class)", "（兴趣班）": " (Interest Class)",
    "（入门班）": " (Introduction)", "（进阶班）": " (Next Steps)", "（普法课堂）": ": Law Class",
}
# Keywords (tags) some providers add, Chinese or English.
TOPIC_TAGS: dict[str, str] = {
    "瑜伽": "yoga,健身,stretching", "太极拳（二十四式）": "太极,健身,tai chi", "太极拳（四十二式）": "太极,健身,tai chi",
    "八段锦": "气功,健身", "英语口语": "英语,English,口语", "老年英语（旅游英语）": "英语,English,旅游",
    "Python 编程入门": "编程,programming,Python", "少儿编程": "编程,coding,Scratch", "书法（楷书）": "书法,楷书",
    "书法（行书）": "书法,行书", "青少年书法": "书法,calligraphy", "手机摄影": "摄影,photography",
}
RESOURCE_TEMPLATES_EN = {
    "video": "{topic}: video lesson", "document": "{topic}: handbook", "audio": "{topic}: audio lesson",
    "link": "{topic}: online topic",
}


def title_en(title: str, suffix: str = "") -> str:
    """A course's English title (its topic's, with its variant suffix's), or "" when the topic has none."""
    base = TITLE_EN.get(title)
    if not base:
        return ""
    return base + TITLE_SUFFIXES_EN.get(suffix, "")
