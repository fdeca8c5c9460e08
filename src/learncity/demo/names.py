"""Word pools for the synthetic city. Everything made from them is marked as generated."""

# Surnames weighted roughly as in Fujian (林、陈、黄、郑 are far more common there than nationally).
SURNAMES = (
    "林" * 9 + "陈" * 9 + "黄" * 6 + "郑" * 5 + "王" * 4 + "李" * 4 + "张" * 4 + "吴" * 3 + "刘" * 3 + "杨" * 2
    + "翁" * 2 + "魏" * 2 + "叶" * 2 + "许" * 2 + "游蔡余卓高谢何朱曾徐周肖江潘邱苏赖罗郭范施方程薛洪詹严"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉志红玲德芬淑珍海燕丹萍鑫宇浩然"
    "思婷雨欣梓涵子轩一诺嘉怡晨阳佳琪雅婷俊杰泽宇梦琪诗涵心怡欣妍宏斌春梅金凤丽华志强永福晓东榕闽"
)
COMMUNITY_WORDS = (
    "东街 南门 西湖 北门 温泉 安泰 华林 屏山 树兜 福屏 洪山 五一 三坊 双抛 茶亭 鳌峰 上渡 螺洲 盖山 城门 "
    "新店 岳峰 鼓山 马尾 琅岐 荆溪 白沙 江南 金山 桔园 建新 浦上 怡山 祥坂 凤坂 清凉 义洲 后洲 瀛洲 宁化 "
    "文山 桂湖 龙腰 朝阳 梅峰 杨桥 旗山 乌山 冶山 达明 光禄 南营 水部 华大 斗门 象园 塔头 福马 远洋 连江 "
    "桃源 榕荫 紫阳 茶园 横屿 竹屿 长乐 湖前 湖滨 荷泽 古田 红星 新港 鹤林 前屿 后屿 东浦 西园 南湖 北峰"
).split()
ENTERPRISE_WORDS = "闽江 榕城 海峡 东南 鼓山 三山 冠城 融侨 福耀 新大陆 星网 福光 怡和 永辉 宏东".split()
ENTERPRISE_TRADES = "电子科技 机械制造 纺织服装 食品加工 物流 建筑工程 医药 软件 电力设备 商贸".split()
FOLK_TOPICS = "书法 太极 合唱 摄影 茶艺 闽剧 剪纸 读书 舞蹈 国画 健康养生 家庭教育".split()
