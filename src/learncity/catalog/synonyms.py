"""The search's synonym table: words that mean the same thing to a learner, in Chinese and English.

Each group has a key (the `sy:<key>` term the index gives a document whose title, English title or tags
contain any of the group's words) and its words: Chinese words are found anywhere in a text, English words and
phrases as whole words. A query naming any word of a group finds every document of the group (Tai Chi ↔ 太极,
英语 ↔ English). Small on purpose: a word belongs here when learners search for it in the other language.
Changing the table needs `learncity reindex_search` (or a rebuild of the demo) for documents indexed before.
"""

SYNONYMS: dict[str, tuple[str, ...]] = {
    "taichi": ("太极", "tai chi", "taichi", "taiji", "tai ji"),
    "english": ("英语", "english"),
    "calligraphy": ("书法", "calligraphy"),
    "yoga": ("瑜伽", "yoga"),
    "programming": ("编程", "programming", "coding"),
    "python": ("python",),
    "painting": ("国画", "绘画", "painting"),
    "photography": ("摄影", "photography", "photo"),
    "choir": ("合唱", "choir", "chorus"),
    "dance": ("舞蹈", "广场舞", "坝坝舞", "dance", "dancing"),
    "tea": ("茶艺", "tea"),
    "smartphone": ("智能手机", "smartphone", "smartphones"),
    "computer": ("计算机", "电脑", "computer", "computers"),
    "ai": ("人工智能", "ai", "artificial intelligence"),
    "health": ("养生", "保健", "wellness"),
    "firstaid": ("急救", "first aid", "cpr"),
    "law": ("法律", "普法", "law", "legal"),
    "parenting": ("家庭教育", "亲子", "parenting"),
    "cooking": ("烹饪", "烹调", "cooking", "cuisine"),
    "mandarin": ("普通话", "mandarin", "putonghua"),
    "opera": ("戏曲", "闽剧", "opera"),
    "ecommerce": ("电子商务", "电商", "e-commerce", "ecommerce"),
    "fraud": ("诈骗", "fraud", "scam", "scams"),
    "qigong": ("八段锦", "气功", "qigong", "baduanjin"),
    "reading": ("阅读", "读书", "reading"),
    "elderly": ("老年", "elderly", "seniors"),
}
