## Technician maintenance menu (issue 12).

maint-entry-label = دخول الفني
maint-title = قائمة الفني
maint-subtitle = صيانة الكشك
maint-subtitle-badge = بطاقة الفني { $arg }
maint-badge-prompt = قرّب بطاقة الفني من القارئ
maint-demo-badge = قدّم بطاقة العرض التجريبي
maint-pin-prompt = أدخل رقمك السري
maint-checking = جارٍ التحقق من الرقم السري…
maint-pin-label = الرقم السري
maint-pin-submit = دخول
maint-clear = مسح
maint-delete = حذف
maint-back = رجوع
maint-close = إغلاق
maint-logout = خروج
maint-language-switch = English
maint-language-switch-label = English menu
maint-pin-wrong = رقم سري خاطئ. المحاولات المتبقية قبل الإيقاف: { $arg }
maint-locked = محاولات خاطئة كثيرة. حاول مرة أخرى بعد { $arg } دقيقة.
maint-working = جارٍ التنفيذ…

maint-page-home = قائمة الفني
maint-page-devices = حالة الأجهزة
maint-page-printers = طباعة تجريبية والورق
maint-page-readers = اختبار القارئات
maint-page-outbox = صندوق الإرسال
maint-page-network = الشبكة والخدمة
maint-page-speech = اختبار النطق
maint-page-defaults = الإعدادات الافتراضية
maint-page-logs = آخر سطور السجل
maint-restart = إعادة تشغيل التطبيق

maint-device-thermal = طابعة الإيصالات
maint-device-a4 = طابعة A4
maint-device-card-reader = قارئ البطاقة الشخصية
maint-device-scanner = ماسح رمز QR
maint-device-badge-reader = قارئ بطاقات الفنيين
maint-state = الحالة: { $arg }
maint-last-error = آخر خطأ:
maint-not-configured = غير مُعدّ
maint-counters = العدادات
maint-count-a4-pages = صفحات A4 المطبوعة: { $n }
maint-count-tickets = الإيصالات المطبوعة: { $n }
maint-count-cuts = قصّات الورق: { $n }
maint-count-captures = البطاقات المحتجزة: { $n }
maint-count-roll = إيصالات لفة الورق الحالية: { $n }

maint-test-ticket = طباعة إيصال تجريبي
maint-test-page = طباعة صفحة A4 تجريبية
maint-reset-roll = تم تركيب لفة ورق جديدة
maint-print = طباعة
maint-reset = تصفير
maint-test = اختبار
maint-self-test-label = اختبار { $arg }

maint-outbox-unreadable = تعذّرت قراءة صندوق الإرسال
maint-outbox-depth = أحداث بانتظار الإرسال: { $n }
maint-outbox-oldest = أقدمها ينتظر منذ { $n } ثانية
maint-outbox-nothing = لا شيء بانتظار الإرسال
maint-outbox-dead = رسائل متعذّرة التسليم: { $n }
maint-dead-detail = المحاولات: { $attempts } · { $error }
maint-requeue = إعادة الإرسال
maint-requeue-label = إعادة إرسال { $arg }

maint-net-up = متصل
maint-net-down = غير متصل
maint-net-none = لا توجد واجهة شبكة
maint-api = خدمة الوزارة
maint-api-ok = أجابت خلال { $arg } ملّي ثانية
maint-api-down = تعذّر الوصول: { $arg }
maint-ping = قياس
maint-ping-label = قياس زمن استجابة الخدمة

maint-speech-ar = نطق الجملة التجريبية بالعربية
maint-speech-en = نطق الجملة التجريبية بالإنجليزية
maint-speech-unavailable = النطق: غير متاح
maint-speech-ok = نُطقت الجملة التجريبية
maint-speech-sentence = هذا اختبار النطق في الكشك.

maint-default-language = لغة شاشة الترحيب: { $arg }
maint-lang-ar = العربية
maint-lang-en = الإنجليزية
maint-defaults-note = يُطبّق بعد إعادة التشغيل
maint-switch = تبديل
maint-switch-language-label = تبديل اللغة الافتراضية
maint-default-idle = مهلة الخمول: { $n } ثانية
maint-idle-less = مهلة خمول أقصر
maint-idle-more = مهلة خمول أطول
maint-default-volume = مستوى صوت النطق: { $n } ٪
maint-volume-less = خفض الصوت
maint-volume-more = رفع الصوت

maint-logs-empty = لا توجد سطور في السجل بعد

maint-test-ticket-ok = طُبع الإيصال التجريبي
maint-test-page-ok = طُبعت صفحة A4 التجريبية
maint-failed = تعذّر التنفيذ: { $arg }
maint-selftest-ok = نجح الاختبار: { $arg }
maint-selftest-fail = فشل الاختبار: { $arg }
maint-roll-reset = صُفّر عدّاد لفة الورق
maint-requeued = أُعيد إرسال الرسالة { $arg }
maint-saved = حُفظ؛ يُطبّق بعد إعادة التشغيل
maint-restart-confirm = اضغط «إعادة تشغيل التطبيق» مرة أخرى لإعادة التشغيل
maint-done = تم

maint-test-ticket-title = إيصال منصة التجريبي
maint-test-page-title = صفحة اختبار الطابعة من منصة

## XFS4IoT device states, as shown to technicians
maint-xfs-online = متصل
maint-xfs-offline = غير متصل
maint-xfs-powerOff = مطفأ
maint-xfs-noDevice = لا يوجد جهاز
maint-xfs-hardwareError = عطل في العتاد
maint-xfs-userError = خطأ يحتاج تدخّلًا (مثل نفاد الورق أو غطاء مفتوح)
maint-xfs-deviceBusy = مشغول
