## Spoken guidance (issue 11): what audio mode says, beyond the screen texts in main.ftl.
speech-audio-on = الإرشاد الصوتي مُفعَّل.
speech-audio-off = الإرشاد الصوتي متوقف.
speech-choices = الخيارات:
speech-keys-hint = استخدم مفتاحَي الأعلى والأسفل للتنقل بين الخيارات، ومفتاح الإدخال للاختيار، ومفتاح المساعدة لسماع هذا مرة أخرى، ومفتاحَي الزائد والناقص لمستوى الصوت، والنجمة والشباك للسرعة، ومفتاح الإلغاء للإنهاء.
speech-keyboard-hint = بعد الخيارات لوحة مفاتيح. انتقل إلى الحرف بمفاتيح الأسهم واضغط مفتاح الإدخال لكتابته.
speech-role-button = زر
speech-role-field = حقل
speech-role-key = مفتاح
speech-role-toggle = مفتاح تبديل
speech-field-empty = فارغ
speech-code-length = { PLURAL($count) ->
    [zero] لم يُكتب أي رقم
    [one] كُتب رقم واحد
    [two] كُتب رقمان
    [few] كُتبت { $count } أرقام
   *[other] كُتب { $count } رقمًا
}
speech-deleted = حُذف
speech-wait = يُرجى الانتظار.
speech-preview-ready = الصفحة الأولى من ورقتك على الشاشة. اختر «اطبع هذه الورقة» لطباعتها.
speech-volume = مستوى الصوت { $level }
speech-rate = السرعة { $level }
speech-key-period = نقطة
speech-key-comma = فاصلة لاتينية
speech-key-question = علامة استفهام لاتينية
speech-key-hyphen = شرطة
speech-key-apostrophe = فاصلة علوية
speech-key-at = علامة آت
speech-key-arabic-comma = فاصلة
speech-key-arabic-question = علامة استفهام
speech-focus-lost = تغيّرت الخيارات. استخدم مفاتيح الأسهم للاختيار من جديد.
