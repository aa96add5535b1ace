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
maint-pin-wrong = { PLURAL($n) ->
    [zero] رقم سري خاطئ. لم تبقَ محاولات قبل الإيقاف.
    [one] رقم سري خاطئ. بقيت محاولة واحدة قبل الإيقاف.
    [two] رقم سري خاطئ. بقيت محاولتان قبل الإيقاف.
    [few] رقم سري خاطئ. بقيت { $n } محاولات قبل الإيقاف.
    [many] رقم سري خاطئ. بقيت { $n } محاولة قبل الإيقاف.
   *[other] رقم سري خاطئ. بقيت { $n } محاولة قبل الإيقاف.
}
maint-locked = { PLURAL($n) ->
    [zero] محاولات خاطئة كثيرة. حاول مرة أخرى بعد قليل.
    [one] محاولات خاطئة كثيرة. حاول مرة أخرى بعد دقيقة واحدة.
    [two] محاولات خاطئة كثيرة. حاول مرة أخرى بعد دقيقتين.
    [few] محاولات خاطئة كثيرة. حاول مرة أخرى بعد { $n } دقائق.
    [many] محاولات خاطئة كثيرة. حاول مرة أخرى بعد { $n } دقيقة.
   *[other] محاولات خاطئة كثيرة. حاول مرة أخرى بعد { $n } دقيقة.
}
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
maint-count-a4-pages = { PLURAL($n) ->
    [zero] لم تُطبع أي صفحة بمقاس A4
    [one] طُبعت صفحة واحدة بمقاس A4
    [two] طُبعت صفحتان بمقاس A4
    [few] طُبعت { $n } صفحات بمقاس A4
    [many] طُبعت { $n } صفحة بمقاس A4
   *[other] طُبعت { $n } صفحة بمقاس A4
}
maint-count-tickets = { PLURAL($n) ->
    [zero] لم يُطبع أي إيصال
    [one] طُبع إيصال واحد
    [two] طُبع إيصالان
    [few] طُبعت { $n } إيصالات
    [many] طُبع { $n } إيصالًا
   *[other] طُبع { $n } إيصال
}
maint-count-cuts = { PLURAL($n) ->
    [zero] لم يُقصّ الورق بعد
    [one] قُصّ الورق مرة واحدة
    [two] قُصّ الورق مرتين
    [few] قُصّ الورق { $n } مرات
    [many] قُصّ الورق { $n } مرة
   *[other] قُصّ الورق { $n } مرة
}
maint-count-captures = { PLURAL($n) ->
    [zero] لم تُحتجز أي بطاقة
    [one] احتُجزت بطاقة واحدة
    [two] احتُجزت بطاقتان
    [few] احتُجزت { $n } بطاقات
    [many] احتُجزت { $n } بطاقة
   *[other] احتُجزت { $n } بطاقة
}
maint-count-roll = { PLURAL($n) ->
    [zero] لا إيصالات على لفة الورق الحالية
    [one] إيصال واحد على لفة الورق الحالية
    [two] إيصالان على لفة الورق الحالية
    [few] { $n } إيصالات على لفة الورق الحالية
    [many] { $n } إيصالًا على لفة الورق الحالية
   *[other] { $n } إيصال على لفة الورق الحالية
}

maint-test-ticket = طباعة إيصال تجريبي
maint-test-page = طباعة صفحة A4 تجريبية
maint-reset-roll = تم تركيب لفة ورق جديدة
maint-print = طباعة
maint-reset = تصفير
maint-test = اختبار
maint-self-test-label = اختبار { $arg }

maint-outbox-unreadable = تعذّرت قراءة صندوق الإرسال
maint-outbox-depth = { PLURAL($n) ->
    [zero] لا أحداث بانتظار الإرسال
    [one] حدث واحد بانتظار الإرسال
    [two] حدثان بانتظار الإرسال
    [few] { $n } أحداث بانتظار الإرسال
    [many] { $n } حدثًا بانتظار الإرسال
   *[other] { $n } حدث بانتظار الإرسال
}
maint-outbox-oldest = { PLURAL($n) ->
    [zero] أقدمها ينتظر منذ أقل من ثانية
    [one] أقدمها ينتظر منذ ثانية واحدة
    [two] أقدمها ينتظر منذ ثانيتين
    [few] أقدمها ينتظر منذ { $n } ثوانٍ
    [many] أقدمها ينتظر منذ { $n } ثانية
   *[other] أقدمها ينتظر منذ { $n } ثانية
}
maint-outbox-nothing = لا شيء بانتظار الإرسال
maint-outbox-dead = { PLURAL($n) ->
    [zero] لا رسائل متعذّرة التسليم
    [one] رسالة واحدة متعذّرة التسليم
    [two] رسالتان متعذّرتا التسليم
    [few] { $n } رسائل متعذّرة التسليم
    [many] { $n } رسالة متعذّرة التسليم
   *[other] { $n } رسالة متعذّرة التسليم
}
maint-dead-detail = { PLURAL($attempts) ->
    [zero] لم تُجرَ أي محاولة
    [one] محاولة واحدة
    [two] محاولتان
    [few] { $attempts } محاولات
    [many] { $attempts } محاولة
   *[other] { $attempts } محاولة
} · { $error }
maint-requeue = إعادة الإرسال
maint-requeue-label = إعادة إرسال { $arg }
maint-requeue-all = إعادة إرسال كل الرسائل المتوقفة

maint-net-up = متصل
maint-net-down = غير متصل
maint-net-none = لا توجد واجهة شبكة
maint-api = خدمة الوزارة
maint-api-ok = { PLURAL($n) ->
    [zero] أجابت في أقل من ملّي ثانية
   *[other] أجابت خلال { $n } ملّي ثانية
}
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
maint-defaults-note = يُطبّق من جلسة المستخدم التالي
maint-switch = تبديل
maint-switch-language-label = تبديل اللغة الافتراضية
maint-default-idle = { PLURAL($n) ->
    [zero] مهلة الخمول: بلا مهلة
    [one] مهلة الخمول: ثانية واحدة
    [two] مهلة الخمول: ثانيتان
    [few] مهلة الخمول: { $n } ثوانٍ
    [many] مهلة الخمول: { $n } ثانية
   *[other] مهلة الخمول: { $n } ثانية
}
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
maint-requeued-all = أُعيد إرسال الرسائل المتوقفة: { $arg }
maint-saved = حُفظ؛ يُطبّق من جلسة المستخدم التالي
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
# No state reported by the driver yet (not an XFS4IoT state).
maint-xfs-unknown = لم يُبلَّغ عنها بعد
