# منصة — العربية. كل معرّف هنا موجود في ../en/main.ftl بالمتغيرات نفسها.

app-title = وزارة البلدية
app-subtitle = جهاز الخدمة الذاتية
demo-badge = تجريبي
language-switch = English
language-switch-label = التبديل إلى الإنجليزية

## Attract
attract-title = أوراقك الرسمية تُطبع هنا
attract-body = اطبع رخصة البناء أو شهادة إتمام البناء أو بيان الراتب نسخةً أصليةً قابلةً للتحقق.
attract-start = المس للبدء

## Identify
identify-title = التعريف بنفسك
identify-body = أدخل بطاقتك الشخصية في القارئ، أو اكتب رقمك الشخصي.
identify-qid-label = الرقم الشخصي (11 رقمًا)
identify-continue = متابعة
identify-reading-card = جارٍ قراءة بطاقتك…
keypad-clear = مسح
keypad-delete = حذف
back = رجوع
cancel = إلغاء

## One-time code
code-title = أدخل الرمز
code-body = أرسلنا رمزًا من 6 أرقام إلى { $phone }.
code-label = رمز التحقق
code-verify = تحقق
code-attempts-left = { PLURAL($count) ->
    [zero] رمز خاطئ. لم تبقَ محاولات.
    [one] رمز خاطئ. بقيت محاولة واحدة.
    [two] رمز خاطئ. بقيت محاولتان.
    [few] رمز خاطئ. بقيت { $count } محاولات.
    [many] رمز خاطئ. بقيت { $count } محاولة.
   *[other] رمز خاطئ. بقيت { $count } محاولة.
}

## Documents
documents-title = أوراقك
documents-empty = لا توجد لديك أوراق للطباعة.
documents-print = طباعة
doc-kind-building_permit = رخصة بناء
doc-kind-completion_certificate = شهادة إتمام بناء
doc-kind-salary_statement = بيان راتب
documents-issued = صدرت في { $date }

## Printing
printing-title = جارٍ الطباعة
printing-body = يُرجى الانتظار حتى تُطبع ورقتك.

## Done
done-title = ورقتك جاهزة
done-body = خذ ورقتك من الطابعة وتذكرتك من الأسفل.
done-take-card = خذ بطاقتك.
done-reference = الرقم المرجعي { $reference }
done-printed = طُبعت: { $kind } { $number }
done-finish = إنهاء

## Errors
error-title = حدث خطأ
error-invalid-qid = هذا الرقم الشخصي غير صحيح. تحقق من الأرقام الأحد عشر.
error-resident-not-found = لا يوجد مقيم مسجل بهذا الرقم الشخصي.
error-account-locked = هذا الحساب مقفل. يُرجى التواصل مع الوزارة.
error-too-many-attempts = رموز خاطئة كثيرة. يُرجى البدء من جديد.
error-code-expired = انتهت صلاحية الرمز. يُرجى البدء من جديد.
error-too-many-codes = { PLURAL($count) ->
    [zero] أُرسل عدد كبير من الرموز لهذه الهوية. يُرجى المحاولة بعد قليل.
    [one] أُرسل عدد كبير من الرموز لهذه الهوية. يُرجى المحاولة بعد دقيقة واحدة.
    [two] أُرسل عدد كبير من الرموز لهذه الهوية. يُرجى المحاولة بعد دقيقتين.
    [few] أُرسل عدد كبير من الرموز لهذه الهوية. يُرجى المحاولة بعد { $count } دقائق.
   *[other] أُرسل عدد كبير من الرموز لهذه الهوية. يُرجى المحاولة بعد { $count } دقيقة.
}
error-network = لا يمكن الوصول إلى الوزارة الآن. يُرجى المحاولة لاحقًا.
error-printer = في الطابعة مشكلة. لم يُطبع شيء.
error-card = تعذرت قراءة بطاقتك. يُرجى أخذها والمحاولة مرة أخرى.
error-generic = يُرجى المحاولة مرة أخرى.
error-ok = حسنًا

## Demo panel (no SMS exists in the demo)
demo-sms = رسالة تجريبية: الرمز { $code }
demo-insert-card = تجريبي: إدخال البطاقة الشخصية

## Paper: building permit (A4)
paper-ministry = دولة قطر — وزارة البلدية
paper-permit-title = رخصة بناء
paper-permit-no = رقم الرخصة
paper-owner = المالك
paper-owner-qid = الرقم الشخصي للمالك
paper-plot = رقم القطعة
paper-zone = المنطقة
paper-municipality = البلدية
paper-use = استخدام المبنى
paper-floors = عدد الطوابق
paper-area = المساحة المبنية (م²)
paper-consultant = الاستشاري
paper-contractor = المقاول
paper-issued = تاريخ الإصدار
paper-expires = تاريخ الانتهاء
paper-footer = طُبعت في جهاز الخدمة الذاتية. تحقق من هذه الورقة في أي جهاز بواسطة ختمها.

## Ticket (thermal)
ticket-title = وزارة البلدية
ticket-printed = طُبعت الورقة
ticket-thanks = شكرًا لكم

## Inactivity
idle-warning = { PLURAL($seconds) ->
    [zero] هل ما زلت هنا؟ تنتهي الجلسة الآن.
    [one] هل ما زلت هنا؟ تنتهي الجلسة بعد ثانية واحدة.
    [two] هل ما زلت هنا؟ تنتهي الجلسة بعد ثانيتين.
    [few] هل ما زلت هنا؟ تنتهي الجلسة بعد { $seconds } ثوانٍ.
   *[other] هل ما زلت هنا؟ تنتهي الجلسة بعد { $seconds } ثانية.
}
idle-more-time = أحتاج إلى وقت إضافي

## Numbers and dates
amount-qar = { $amount } ر.ق
date-gregorian = { $day } { $month } { $year }
date-hijri = { $day } { $month } { $year } هـ
month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر
hijri-month-1 = محرم
hijri-month-2 = صفر
hijri-month-3 = ربيع الأول
hijri-month-4 = ربيع الآخر
hijri-month-5 = جمادى الأولى
hijri-month-6 = جمادى الآخرة
hijri-month-7 = رجب
hijri-month-8 = شعبان
hijri-month-9 = رمضان
hijri-month-10 = شوال
hijri-month-11 = ذو القعدة
hijri-month-12 = ذو الحجة

## Papers: shared
paper-issued-at = صدرت في { $place } بتاريخ { $gregorian } الموافق { $hijri }
paper-issue-place = الدوحة
paper-page = صفحة { $page } من { $pages }
paper-seal-caption = امسح هذا الختم بكاميرا الهاتف أو في أي جهاز تابع للوزارة للتحقق من أن هذه الورقة أصلية ومعرفة ما تتضمنه.
paper-document-no = رقم المستند

## Paper: building permit (notes)
paper-permit-note = هذه الرخصة سارية حتى تاريخ انتهائها وللمبنى الموصوف أعلاه فقط.

## Paper: completion certificate
paper-completion-title = شهادة إتمام بناء
paper-certificate-no = رقم الشهادة
paper-completed = تاريخ الإتمام
paper-inspected = تاريخ التفتيش النهائي
paper-inspector = مرجع المفتش
paper-completion-note = أُتمّ المبنى الموصوف أعلاه وفق رخصته.

## Paper: salary statement
paper-salary-title = بيان راتب
paper-statement-no = رقم البيان
paper-employee = الموظف
paper-employee-no = الرقم الوظيفي
paper-employer = جهة العمل
paper-period = الفترة
paper-basic-salary = الراتب الأساسي
paper-allowances = البدلات
paper-deductions = الاستقطاعات
paper-net = صافي الراتب
paper-amount = المبلغ
paper-salary-note = المبالغ بالريال القطري.

## Seal check before printing
error-seal = تعذّر التحقق من هذه الورقة، لذا لم تُطبع. يُرجى التواصل مع الوزارة.

## Paper: shared labels
paper-qid = الرقم الشخصي

## Services
services-title = ماذا تريد أن تفعل؟
service-print = طباعة ورقة رسمية
service-print-body = رخصة بناء أو شهادة إتمام بناء أو بيان راتب. تحتاج إلى بطاقتك الشخصية أو رقمك الشخصي.
service-verify = التحقق من ورقة مطبوعة
service-verify-body = تأكد من أن الورقة التي تحمل ختم الوزارة أصلية. لا حاجة إلى التعريف بنفسك.

## Preview
preview-title = راجع ورقتك
preview-preparing = جارٍ تجهيز ورقتك…
preview-print = اطبع هذه الورقة

## Verify a paper
verify-title = التحقق من ورقة
verify-body = ضع ختم الورقة (رمز QR) تحت الماسح.
verify-checking = جارٍ التحقق من الختم…
verdict-genuine = ورقة أصلية
verdict-genuine-unchecked = ختم أصلي. لم يُتحقق من الإلغاء: تعذّر الوصول إلى الوزارة
verdict-not-confirmed = ختم أصلي. لم تتمكن الوزارة من تأكيد أن الورقة ما زالت سارية
verdict-revoked = أُلغيت هذه الورقة
verdict-altered = هذا الختم غير صالح: ربما عُدّلت الورقة
verdict-unverifiable = لا يمكن التحقق من هذه الورقة الآن
verdict-not-a-seal = هذا ليس ختم الوزارة
verdict-compare = قارن هذه البيانات المختومة بالورقة التي بين يديك. إن اختلف أي منها فقد عُدّلت الورقة.
verdict-revoked-advice = سحبت الوزارة هذه الورقة. اطلب ورقة سارية من الجهة التي أصدرتها.
verdict-altered-advice = لا تعتمد على هذه الورقة. الوزارة لم تختم ما تعرضه.
verdict-unverifiable-advice = الختم بمفتاح لا يملكه هذا الجهاز بعد، وتعذّر الوصول إلى الوزارة. حاول لاحقًا؛ هذا لا يعني أن الورقة مزوّرة.
verdict-not-a-seal-advice = امسح الرمز المربع المطبوع أسفل ورقة الوزارة.
fact-kind = الورقة
fact-number = الرقم
fact-issued-on = تاريخ الإصدار
fact-holder-name-ar = الاسم
fact-holder-name-en = الاسم (بالإنجليزية)
fact-qid-last4 = الرقم الشخصي
fact-permit-no = رخصة البناء
fact-plot-no = القطعة
fact-zone = المنطقة
fact-municipality-ar = البلدية
fact-municipality-en = البلدية (بالإنجليزية)
fact-use-ar = الاستخدام
fact-use-en = الاستخدام (بالإنجليزية)
fact-floors = عدد الطوابق
fact-built-area-m2 = المساحة المبنية
fact-area-value = { $area } م²
fact-expires-on = سارية حتى
fact-completed-on = تاريخ الإتمام
fact-inspected-on = تاريخ المعاينة
fact-employer-ar = جهة العمل
fact-employer-en = جهة العمل (بالإنجليزية)
fact-period = فترة الراتب
fact-basic-salary = الراتب الأساسي
fact-allowances-total = البدلات
fact-deductions = الاستقطاعات
fact-net = صافي الراتب
fact-currency = العملة

## A4 printer states (issue 8): before printing nothing is sent; mid-job the job is cancelled
error-a4-paper-out = نفد الورق من طابعة A4، لذلك لم يُطبع شيء.
error-a4-jammed = علِق الورق داخل طابعة A4، لذلك لم يُطبع شيء.
error-a4-door-open = أحد أبواب طابعة A4 مفتوح، لذلك لم يُطبع شيء.
error-a4-toner-out = نفد الحبر من طابعة A4، لذلك لم يُطبع شيء.
error-a4-unavailable = طابعة A4 غير متاحة الآن، لذلك لم يُطبع شيء.
error-a4-interrupted-paper-out = نفد الورق من طابعة A4 أثناء طباعة ورقتك. أُلغيت الطباعة ولا تُحتسب ورقتك مطبوعة.
error-a4-interrupted-jammed = علِق الورق داخل طابعة A4 أثناء طباعة ورقتك. أُلغيت الطباعة ولا تُحتسب ورقتك مطبوعة.
error-a4-interrupted-door-open = فُتح أحد أبواب طابعة A4 أثناء طباعة ورقتك. أُلغيت الطباعة ولا تُحتسب ورقتك مطبوعة.
error-a4-interrupted = توقفت طابعة A4 أثناء طباعة ورقتك. أُلغيت الطباعة ولا تُحتسب ورقتك مطبوعة.
error-a4-unknown = فقد الكشك الاتصال بطابعة A4 أثناء طباعة ورقتك، فلا يمكنه التأكد من خروجها. لا تُحتسب ورقتك مطبوعة: يُرجى المحاولة مرة أخرى أو طلب المساعدة من الموظفين.

## إمكانية الوصول (شاشة البداية)
access-title = إمكانية الوصول
access-audio = الإرشاد الصوتي
access-large-text = نص كبير
access-contrast = تباين عالٍ
access-on = مُفعَّل
access-off = غير مُفعَّل

## خدمات أخرى
service-complaint = شكوى أو استفسار
service-rate = قيّم خدمتنا
offline-offers = هذه الخدمات تعمل أثناء انقطاع الشبكة:

## مراحل الطباعة
printing-stage-paper = ورقتك تُطبع الآن على طابعة A4.
printing-stage-ticket = خرجت ورقتك. تذكرتك تُطبع الآن.

## التقييم
rating-title = كيف كانت خدمتنا؟
rating-body = اختر وجهًا.
rating-1 = غير راضٍ أبدًا
rating-2 = غير راضٍ
rating-3 = محايد
rating-4 = راضٍ
rating-5 = راضٍ جدًا

## شكوى أو استفسار
complaint-title = شكوى أو استفسار
complaint-category-body = ما موضوعها؟
complaint-cat-permits = رخص البناء والشهادات
complaint-cat-cleanliness = النظافة والنفايات
complaint-cat-roads = الطرق وإنارة الشوارع
complaint-cat-kiosk = هذا الجهاز
complaint-cat-other = موضوع آخر أو سؤال
complaint-text-body = اكتب شكواك أو سؤالك على لوحة المفاتيح.
complaint-text-label = رسالتك
complaint-counter = { PLURAL($max) ->
    [few] { $count } من { $max } أحرف
    [many] { $count } من { $max } حرفًا
   *[other] { $count } من { $max } حرف
}
complaint-too-short = { PLURAL($count) ->
    [one] يُرجى كتابة حرف واحد على الأقل.
    [two] يُرجى كتابة حرفين على الأقل.
    [few] يُرجى كتابة { $count } أحرف على الأقل.
    [many] يُرجى كتابة { $count } حرفًا على الأقل.
   *[other] يُرجى كتابة { $count } حرف على الأقل.
}
complaint-next = متابعة
complaint-phone-title = رقم هاتفك (اختياري)
complaint-phone-body = إن أردت ردًّا فاكتب رقم هاتفك القطري المكوّن من 8 أرقام، وإلا فأرسل دونه.
complaint-phone-label = رقم الهاتف
complaint-send = إرسال
keyboard-space = مسافة
keyboard-backspace = حذف
keyboard-to-english = English
keyboard-to-arabic = عربي

## تم الإرسال
sent-complaint-title = سُجِّلت رسالتك
sent-complaint-body = استلمتها الوزارة.
sent-complaint-offline = الشبكة منقطعة. حُفظت رسالتك في هذا الجهاز وستُرسل إلى الوزارة عند عودة الشبكة.
sent-reference = رقمك المرجعي: { $reference }
sent-rating-title = شكرًا لك
sent-rating-body = تقييمك يساعدنا على تحسين خدمتنا.
sent-rating-offline = حُفظ تقييمك وسيُرسل عند عودة الشبكة.

## أخطاء أخرى
error-invalid-phone = هذا ليس رقم هاتف قطريًا: 8 أرقام تبدأ بـ 3 أو 4 أو 5 أو 6 أو 7.
error-not-recorded = تعذّر على الجهاز حفظ رسالتك، ولم يُرسل شيء. يُرجى المحاولة لاحقًا أو استخدام جهاز آخر.
error-code-short = اكتب أرقام الرمز الستة كلها.

## Phone verifier page (served by the ministry at /verify)
verify-page-title = التحقق من ورقة الوزارة
verify-page-ministry = وزارة البلدية · توكيد
verify-page-scan = وجّه الكاميرا إلى الرمز المربع المطبوع أسفل الورقة.
verify-page-checking = جارٍ التحقق من الختم…
verify-page-again = تحقق من ورقة أخرى
verify-page-language = English
verify-page-no-camera = لا يمكن استخدام الكاميرا. اسمح بالوصول إلى الكاميرا، أو افتح الرابط الموجود في رمز الورقة بتطبيق الكاميرا في هاتفك.
verify-page-offline-keys = تُستخدم المفاتيح المحفوظة في هذا الهاتف.
