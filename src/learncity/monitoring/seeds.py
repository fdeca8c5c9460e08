"""The seeds' indicators (issue 6), each mapped to the UNESCO area it serves. Loaded by migration 0002; kept here
so the tests and the docs read the same list. (code, name, unit, area, published, spec, explanation)"""

COMMUNITY_KINDS = ["community", "digital", "family", "health", "law", "rural"]
# The learning venues FREE-VENUE counts: public cultural venues open to all (the seeds' 图书馆、博物馆、文化馆等),
# not the teaching points and schools where courses are held, nor sports grounds or elderly activity centres.
FREE_VENUE_KINDS = ["library", "museum", "cultural_centre", "cultural_station", "science_museum", "workers_palace",
                    "youth_palace"]
NON_ACADEMIC_KINDS = ["cadre", "community", "culture", "digital", "elderly", "family", "health", "law",
                      "professional", "rural", "vocational"]

INDICATORS = [
    ("CE-PART", "社区教育参与率", "%", "block_community", True,
     {"numerator": {"source": "records", "count": "persons",
                    "filters": {"course_kind": COMMUNITY_KINDS, "recognised": True, "age_min": 18}},
      "denominator": {"source": "population", "age_min": 18}},
     "期间内至少有一条已认定的社区教育学习记录（社区教育、数字技能、家庭教育、卫生健康、法律与公民素养、农村实用技术课程）"
     "的 18 岁及以上常住居民人数，除以 18 岁及以上常住人口。每人只计一次；年龄按当年 1 月 1 日计算。"),
    ("EMP-CE", "企业职工继续教育参与率", "%", "block_workplace", False,
     {"numerator": {"source": "records", "count": "persons",
                    "filters": {"course_kind": ["vocational", "professional", "cadre"], "group": ["employee"]}},
      "denominator": {"source": "residents", "group": ["employee"]}},
     "期间内参加过职业技能培训、专业技术人员继续教育或干部培训的企业职工人数，除以期末登记在册的企业职工人数"
     "（按登记日期：期末以后登记的不计）。"),
    ("NONACAD-PT", "非学历教育培训人次", "人次", "block_culture", True,
     {"numerator": {"source": "records", "count": "person_times",
                    "filters": {"kind": ["completion", "event", "resource"], "course_kind": NON_ACADEMIC_KINDS}}},
     "期间内成人学历教育以外各类课程（干部、社区、文化、数字技能、老年、家庭、卫生健康、法律、专业技术、农村实用技术、"
     "职业技能）的学习记录条数，计三种记录：课程结业（一人学完一门课计一人次，各次课的出勤不另计）、标明上述课程类别的"
     "活动参与、在线资源学完一次。一人参加多次按多人次计。"),
    ("ADULT-ACAD", "成人学历教育在读人数", "人", "block_education", False,
     {"numerator": {"source": "records", "count": "persons",
                    "filters": {"kind": ["attendance", "completion"], "course_kind": ["academic"]}}},
     "期间内有成人学历教育课程出勤或结业记录的人数，每人只计一次；学历课程的在线资源学习不计。"),
    ("NONACAD-CERT", "非学历证书与技能认定数", "项", "block_quality", True,
     {"numerator": {"source": "outcomes", "count": "person_times", "filters": {"credit_class": ["vocational"]}}},
     "期间内学分银行认定的职业资格与技能类学习成果（等级证书、技能培训结业）项数；已冲正的不计。"),
    ("ELDER-PART", "老年教育参与率", "%", "block_education", True,
     {"numerator": {"source": "records", "count": "persons",
                    "filters": {"course_kind": ["elderly"], "age_min": 60}},
      "denominator": {"source": "population", "age_min": 60}},
     "期间内参加过老年教育课程的 60 岁及以上居民人数，除以 60 岁及以上常住人口。"),
    ("ONLINE-PT", "数字化学习人次", "人次", "block_technology", True,
     {"numerator": {"source": "records", "count": "person_times", "filters": {"kind": ["resource"]}}},
     "期间内在学习平台上完整学习数字化资源的人次。"),
    ("STREET-SCHOOL", "街道（乡镇）社区学校覆盖率", "%", "condition_resources", True,
     {"numerator": {"source": "places_with_institution", "count": "count",
                    "filters": {"level": "street", "institution_kind": ["community_school"]}},
      "denominator": {"source": "places", "level": "street"}},
     "期末设有在办社区学校的街道（乡镇）数，除以街道（乡镇）总数。社区学校按开办和停办日期计：期末已开办、尚未停办。"),
    ("COMMUNITY-ROOM", "社区（村）学习室覆盖率", "%", "condition_resources", True,
     {"numerator": {"source": "places_with_institution", "count": "count",
                    "filters": {"level": "community", "institution_kind": ["learning_room"]}},
      "denominator": {"source": "places", "level": "community"}},
     "期末设有在办学习室的社区（村）数，除以社区（村）总数。学习室按开办和停办日期计：期末已开办、尚未停办。"),
    ("DEMO-ZONE", "社区教育示范区", "个", "condition_will", True,
     {"numerator": {"source": "designations", "count": "count", "filters": {"kind": ["demonstration"]}}},
     "期间结束时已命名、未撤销的国家级、省级和市级社区教育示范区个数。"),
    ("EXP-ZONE", "社区教育实验区", "个", "condition_will", True,
     {"numerator": {"source": "designations", "count": "count", "filters": {"kind": ["experimental"]}}},
     "期间结束时已命名、未撤销的国家级、省级和市级社区教育实验区个数。"),
    ("LEARNING-ORG", "学习型组织", "个", "condition_governance", True,
     {"numerator": {"source": "learning_organisations", "count": "count"}},
     "期间结束时已命名、未撤销的学习型机关、企业、社区、家庭、学校和社会组织个数。"),
    ("VOLUNTEER-HRS", "志愿服务时长", "小时", "benefit_empowerment", True,
     {"numerator": {"source": "volunteering", "count": "hours"}},
     "期间内登记的学习型城市志愿服务小时数。"),
    ("FREE-VENUE", "免费开放的学习场馆", "个", "condition_resources", True,
     {"numerator": {"source": "venues", "count": "count", "filters": {"kind": FREE_VENUE_KINDS, "free_open": True}}},
     "期末在用（已启用、未停用）并登记了免费开放日的公共文化学习场馆个数：图书馆、博物馆（含美术馆）、文化馆、"
     "文化站、科技馆、工人文化宫和青少年宫。教学点、开放学校、体育馆和老年活动中心不计。"),
]
