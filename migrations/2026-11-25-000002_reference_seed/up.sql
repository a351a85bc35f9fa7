-- Reference rows for the tables of 2026-11-25-000001_reference_data.
--
-- Ids are fixed so that they stay stable across databases:
--   provinces     1..31, alphabetical by English name
--   cities        province_id * 100 + n   (n = 1 is the capital)
--   universities  province_id * 10 + n    (n = 1 is the province's main university)
-- Persian text uses the Persian letters ی (U+06CC) and ک (U+06A9), never the Arabic forms (U+064A, U+0643), and the
-- zero-width non-joiner (U+200C) where Persian orthography needs it (e.g. خرم‌آباد).

-- ---------------------------------------------------------------------------------------------
-- Provinces
-- ---------------------------------------------------------------------------------------------
INSERT INTO provinces (id, name, name_fa) VALUES
    (1,  'Alborz',                     'البرز'),
    (2,  'Ardabil',                    'اردبیل'),
    (3,  'Bushehr',                    'بوشهر'),
    (4,  'Chaharmahal and Bakhtiari',  'چهارمحال و بختیاری'),
    (5,  'East Azerbaijan',            'آذربایجان شرقی'),
    (6,  'Fars',                       'فارس'),
    (7,  'Gilan',                      'گیلان'),
    (8,  'Golestan',                   'گلستان'),
    (9,  'Hamadan',                    'همدان'),
    (10, 'Hormozgan',                  'هرمزگان'),
    (11, 'Ilam',                       'ایلام'),
    (12, 'Isfahan',                    'اصفهان'),
    (13, 'Kerman',                     'کرمان'),
    (14, 'Kermanshah',                 'کرمانشاه'),
    (15, 'Khuzestan',                  'خوزستان'),
    (16, 'Kohgiluyeh and Boyer-Ahmad', 'کهگیلویه و بویراحمد'),
    (17, 'Kurdistan',                  'کردستان'),
    (18, 'Lorestan',                   'لرستان'),
    (19, 'Markazi',                    'مرکزی'),
    (20, 'Mazandaran',                 'مازندران'),
    (21, 'North Khorasan',             'خراسان شمالی'),
    (22, 'Qazvin',                     'قزوین'),
    (23, 'Qom',                        'قم'),
    (24, 'Razavi Khorasan',            'خراسان رضوی'),
    (25, 'Semnan',                     'سمنان'),
    (26, 'Sistan and Baluchestan',     'سیستان و بلوچستان'),
    (27, 'South Khorasan',             'خراسان جنوبی'),
    (28, 'Tehran',                     'تهران'),
    (29, 'West Azerbaijan',            'آذربایجان غربی'),
    (30, 'Yazd',                       'یزد'),
    (31, 'Zanjan',                     'زنجان');

-- ---------------------------------------------------------------------------------------------
-- Cities: the capital (is_capital) and the other large cities of each province
-- ---------------------------------------------------------------------------------------------
INSERT INTO cities (id, province_id, name, name_fa, is_capital) VALUES
    -- 1 Alborz
    (101,  1,  'Karaj',                  'کرج',             true),
    (102,  1,  'Fardis',                 'فردیس',           false),
    (103,  1,  'Kamalshahr',             'کمال‌شهر',        false),
    (104,  1,  'Nazarabad',              'نظرآباد',         false),
    (105,  1,  'Mohammadshahr',          'محمدشهر',         false),
    (106,  1,  'Hashtgerd',              'هشتگرد',          false),
    (107,  1,  'Meshkin Dasht',          'مشکین‌دشت',       false),
    (108,  1,  'Taleqan',                'طالقان',          false),
    -- 2 Ardabil
    (201,  2,  'Ardabil',                'اردبیل',          true),
    (202,  2,  'Parsabad',               'پارس‌آباد',       false),
    (203,  2,  'Meshgin Shahr',          'مشگین‌شهر',       false),
    (204,  2,  'Khalkhal',               'خلخال',           false),
    (205,  2,  'Germi',                  'گرمی',            false),
    (206,  2,  'Bileh Savar',            'بیله‌سوار',       false),
    (207,  2,  'Namin',                  'نمین',            false),
    (208,  2,  'Sarein',                 'سرعین',           false),
    -- 3 Bushehr
    (301,  3,  'Bushehr',                'بوشهر',           true),
    (302,  3,  'Borazjan',               'برازجان',         false),
    (303,  3,  'Bandar Ganaveh',         'بندر گناوه',      false),
    (304,  3,  'Bandar Kangan',          'بندر کنگان',      false),
    (305,  3,  'Khormoj',                'خورموج',          false),
    (306,  3,  'Jam',                    'جم',              false),
    (307,  3,  'Asaluyeh',               'عسلویه',          false),
    (308,  3,  'Bandar Deylam',          'بندر دیلم',       false),
    -- 4 Chaharmahal and Bakhtiari
    (401,  4,  'Shahrekord',             'شهرکرد',          true),
    (402,  4,  'Borujen',                'بروجن',           false),
    (403,  4,  'Farsan',                 'فارسان',          false),
    (404,  4,  'Lordegan',               'لردگان',          false),
    (405,  4,  'Farrokhshahr',           'فرخ‌شهر',         false),
    (406,  4,  'Hafshejan',              'هفشجان',          false),
    -- 5 East Azerbaijan
    (501,  5,  'Tabriz',                 'تبریز',           true),
    (502,  5,  'Maragheh',               'مراغه',           false),
    (503,  5,  'Marand',                 'مرند',            false),
    (504,  5,  'Mianeh',                 'میانه',           false),
    (505,  5,  'Ahar',                   'اهر',             false),
    (506,  5,  'Bonab',                  'بناب',            false),
    (507,  5,  'Sarab',                  'سراب',            false),
    (508,  5,  'Azarshahr',              'آذرشهر',          false),
    (509,  5,  'Shabestar',              'شبستر',           false),
    (510,  5,  'Ajab Shir',              'عجب‌شیر',         false),
    (511,  5,  'Malekan',                'ملکان',           false),
    (512,  5,  'Hashtrud',               'هشترود',          false),
    (513,  5,  'Jolfa',                  'جلفا',            false),
    -- 6 Fars
    (601,  6,  'Shiraz',                 'شیراز',           true),
    (602,  6,  'Marvdasht',              'مرودشت',          false),
    (603,  6,  'Jahrom',                 'جهرم',            false),
    (604,  6,  'Fasa',                   'فسا',             false),
    (605,  6,  'Kazerun',                'کازرون',          false),
    (606,  6,  'Sadra',                  'صدرا',            false),
    (607,  6,  'Lar',                    'لار',             false),
    (608,  6,  'Darab',                  'داراب',           false),
    (609,  6,  'Firuzabad',              'فیروزآباد',       false),
    (610,  6,  'Abadeh',                 'آباده',           false),
    (611,  6,  'Gerash',                 'گراش',            false),
    (612,  6,  'Estahban',               'استهبان',         false),
    (613,  6,  'Neyriz',                 'نی‌ریز',          false),
    (614,  6,  'Eqlid',                  'اقلید',           false),
    -- 7 Gilan
    (701,  7,  'Rasht',                  'رشت',             true),
    (702,  7,  'Bandar Anzali',          'بندر انزلی',      false),
    (703,  7,  'Lahijan',                'لاهیجان',         false),
    (704,  7,  'Langarud',               'لنگرود',          false),
    (705,  7,  'Talesh',                 'تالش',            false),
    (706,  7,  'Astara',                 'آستارا',          false),
    (707,  7,  'Rudsar',                 'رودسر',           false),
    (708,  7,  'Sowmeh Sara',            'صومعه‌سرا',       false),
    (709,  7,  'Fuman',                  'فومن',            false),
    (710,  7,  'Astaneh-ye Ashrafiyeh',  'آستانه اشرفیه',   false),
    (711,  7,  'Rudbar',                 'رودبار',          false),
    -- 8 Golestan
    (801,  8,  'Gorgan',                 'گرگان',           true),
    (802,  8,  'Gonbad-e Kavus',         'گنبد کاووس',      false),
    (803,  8,  'Aliabad-e Katul',        'علی‌آباد کتول',   false),
    (804,  8,  'Bandar Torkaman',        'بندر ترکمن',      false),
    (805,  8,  'Azadshahr',              'آزادشهر',         false),
    (806,  8,  'Kordkuy',                'کردکوی',          false),
    (807,  8,  'Minudasht',              'مینودشت',         false),
    (808,  8,  'Aqqala',                 'آق‌قلا',          false),
    (809,  8,  'Kalaleh',                'کلاله',           false),
    -- 9 Hamadan
    (901,  9,  'Hamadan',                'همدان',           true),
    (902,  9,  'Malayer',                'ملایر',           false),
    (903,  9,  'Nahavand',               'نهاوند',          false),
    (904,  9,  'Tuyserkan',              'تویسرکان',        false),
    (905,  9,  'Asadabad',               'اسدآباد',         false),
    (906,  9,  'Kabudarahang',           'کبودرآهنگ',       false),
    (907,  9,  'Bahar',                  'بهار',            false),
    (908,  9,  'Razan',                  'رزن',             false),
    -- 10 Hormozgan
    (1001, 10, 'Bandar Abbas',           'بندرعباس',        true),
    (1002, 10, 'Minab',                  'میناب',           false),
    (1003, 10, 'Qeshm',                  'قشم',             false),
    (1004, 10, 'Bandar Lengeh',          'بندر لنگه',       false),
    (1005, 10, 'Kish',                   'کیش',             false),
    (1006, 10, 'Hajjiabad',              'حاجی‌آباد',       false),
    (1007, 10, 'Jask',                   'جاسک',            false),
    (1008, 10, 'Bastak',                 'بستک',            false),
    (1009, 10, 'Parsian',                'پارسیان',         false),
    -- 11 Ilam
    (1101, 11, 'Ilam',                   'ایلام',           true),
    (1102, 11, 'Dehloran',               'دهلران',          false),
    (1103, 11, 'Eyvan',                  'ایوان',           false),
    (1104, 11, 'Mehran',                 'مهران',           false),
    (1105, 11, 'Abdanan',                'آبدانان',         false),
    (1106, 11, 'Darreh Shahr',           'دره‌شهر',         false),
    (1107, 11, 'Sarableh',               'سرابله',          false),
    -- 12 Isfahan
    (1201, 12, 'Isfahan',                'اصفهان',          true),
    (1202, 12, 'Kashan',                 'کاشان',           false),
    (1203, 12, 'Khomeyni Shahr',         'خمینی‌شهر',       false),
    (1204, 12, 'Najafabad',              'نجف‌آباد',        false),
    (1205, 12, 'Shahin Shahr',           'شاهین‌شهر',       false),
    (1206, 12, 'Shahreza',               'شهرضا',           false),
    (1207, 12, 'Fuladshahr',             'فولادشهر',        false),
    (1208, 12, 'Mobarakeh',              'مبارکه',          false),
    (1209, 12, 'Golpayegan',             'گلپایگان',        false),
    (1210, 12, 'Khansar',                'خوانسار',         false),
    (1211, 12, 'Aran va Bidgol',         'آران و بیدگل',    false),
    (1212, 12, 'Falavarjan',             'فلاورجان',        false),
    (1213, 12, 'Ardestan',               'اردستان',         false),
    (1214, 12, 'Natanz',                 'نطنز',            false),
    (1215, 12, 'Naein',                  'نائین',           false),
    (1216, 12, 'Semirom',                'سمیرم',           false),
    (1217, 12, 'Zarrinshahr',            'زرین‌شهر',        false),
    -- 13 Kerman
    (1301, 13, 'Kerman',                 'کرمان',           true),
    (1302, 13, 'Sirjan',                 'سیرجان',          false),
    (1303, 13, 'Rafsanjan',              'رفسنجان',         false),
    (1304, 13, 'Jiroft',                 'جیرفت',           false),
    (1305, 13, 'Bam',                    'بم',              false),
    (1306, 13, 'Zarand',                 'زرند',            false),
    (1307, 13, 'Kahnuj',                 'کهنوج',           false),
    (1308, 13, 'Shahr-e Babak',          'شهربابک',         false),
    (1309, 13, 'Baft',                   'بافت',            false),
    (1310, 13, 'Anar',                   'انار',            false),
    (1311, 13, 'Anbarabad',              'عنبرآباد',        false),
    (1312, 13, 'Manujan',                'منوجان',          false),
    (1313, 13, 'Ravar',                  'راور',            false),
    -- 14 Kermanshah
    (1401, 14, 'Kermanshah',             'کرمانشاه',        true),
    (1402, 14, 'Eslamabad-e Gharb',      'اسلام‌آباد غرب',  false),
    (1403, 14, 'Harsin',                 'هرسین',           false),
    (1404, 14, 'Kangavar',               'کنگاور',          false),
    (1405, 14, 'Sonqor',                 'سنقر',            false),
    (1406, 14, 'Sahneh',                 'صحنه',            false),
    (1407, 14, 'Javanrud',               'جوانرود',         false),
    (1408, 14, 'Paveh',                  'پاوه',            false),
    (1409, 14, 'Qasr-e Shirin',          'قصر شیرین',       false),
    (1410, 14, 'Sarpol-e Zahab',         'سرپل ذهاب',       false),
    -- 15 Khuzestan
    (1501, 15, 'Ahvaz',                  'اهواز',           true),
    (1502, 15, 'Dezful',                 'دزفول',           false),
    (1503, 15, 'Abadan',                 'آبادان',          false),
    (1504, 15, 'Khorramshahr',           'خرمشهر',          false),
    (1505, 15, 'Bandar Mahshahr',        'بندر ماهشهر',     false),
    (1506, 15, 'Andimeshk',              'اندیمشک',         false),
    (1507, 15, 'Shushtar',               'شوشتر',           false),
    (1508, 15, 'Behbahan',               'بهبهان',          false),
    (1509, 15, 'Izeh',                   'ایذه',            false),
    (1510, 15, 'Masjed Soleyman',        'مسجدسلیمان',      false),
    (1511, 15, 'Shush',                  'شوش',             false),
    (1512, 15, 'Ramhormoz',              'رامهرمز',         false),
    (1513, 15, 'Bandar Imam Khomeini',   'بندر امام خمینی', false),
    (1514, 15, 'Shadegan',               'شادگان',          false),
    -- 16 Kohgiluyeh and Boyer-Ahmad
    (1601, 16, 'Yasuj',                  'یاسوج',           true),
    (1602, 16, 'Dehdasht',               'دهدشت',           false),
    (1603, 16, 'Dogonbadan',             'دوگنبدان',        false),
    (1604, 16, 'Likak',                  'لیکک',            false),
    (1605, 16, 'Sisakht',                'سی‌سخت',          false),
    (1606, 16, 'Charam',                 'چرام',            false),
    -- 17 Kurdistan
    (1701, 17, 'Sanandaj',               'سنندج',           true),
    (1702, 17, 'Saqqez',                 'سقز',             false),
    (1703, 17, 'Marivan',                'مریوان',          false),
    (1704, 17, 'Baneh',                  'بانه',            false),
    (1705, 17, 'Bijar',                  'بیجار',           false),
    (1706, 17, 'Qorveh',                 'قروه',            false),
    (1707, 17, 'Kamyaran',               'کامیاران',        false),
    (1708, 17, 'Divandarreh',            'دیواندره',        false),
    (1709, 17, 'Dehgolan',               'دهگلان',          false),
    -- 18 Lorestan
    (1801, 18, 'Khorramabad',            'خرم‌آباد',        true),
    (1802, 18, 'Borujerd',               'بروجرد',          false),
    (1803, 18, 'Dorud',                  'دورود',           false),
    (1804, 18, 'Kuhdasht',               'کوهدشت',          false),
    (1805, 18, 'Aligudarz',              'الیگودرز',        false),
    (1806, 18, 'Azna',                   'ازنا',            false),
    (1807, 18, 'Nurabad',                'نورآباد',         false),
    (1808, 18, 'Pol-e Dokhtar',          'پلدختر',          false),
    (1809, 18, 'Alashtar',               'الشتر',           false),
    -- 19 Markazi
    (1901, 19, 'Arak',                   'اراک',            true),
    (1902, 19, 'Saveh',                  'ساوه',            false),
    (1903, 19, 'Khomeyn',                'خمین',            false),
    (1904, 19, 'Mahallat',               'محلات',           false),
    (1905, 19, 'Delijan',                'دلیجان',          false),
    (1906, 19, 'Tafresh',                'تفرش',            false),
    (1907, 19, 'Shazand',                'شازند',           false),
    (1908, 19, 'Ashtian',                'آشتیان',          false),
    -- 20 Mazandaran
    (2001, 20, 'Sari',                   'ساری',            true),
    (2002, 20, 'Amol',                   'آمل',             false),
    (2003, 20, 'Babol',                  'بابل',            false),
    (2004, 20, 'Qaemshahr',              'قائم‌شهر',        false),
    (2005, 20, 'Behshahr',               'بهشهر',           false),
    (2006, 20, 'Chalus',                 'چالوس',           false),
    (2007, 20, 'Nowshahr',               'نوشهر',           false),
    (2008, 20, 'Tonekabon',              'تنکابن',          false),
    (2009, 20, 'Babolsar',               'بابلسر',          false),
    (2010, 20, 'Ramsar',                 'رامسر',           false),
    (2011, 20, 'Neka',                   'نکا',             false),
    (2012, 20, 'Mahmudabad',             'محمودآباد',       false),
    (2013, 20, 'Fereydunkenar',          'فریدونکنار',      false),
    (2014, 20, 'Juybar',                 'جویبار',          false),
    (2015, 20, 'Amirkola',               'امیرکلا',         false),
    -- 21 North Khorasan
    (2101, 21, 'Bojnurd',                'بجنورد',          true),
    (2102, 21, 'Shirvan',                'شیروان',          false),
    (2103, 21, 'Esfarayen',              'اسفراین',         false),
    (2104, 21, 'Ashkhaneh',              'آشخانه',          false),
    (2105, 21, 'Jajarm',                 'جاجرم',           false),
    (2106, 21, 'Faruj',                  'فاروج',           false),
    (2107, 21, 'Garmeh',                 'گرمه',            false),
    -- 22 Qazvin
    (2201, 22, 'Qazvin',                 'قزوین',           true),
    (2202, 22, 'Takestan',               'تاکستان',         false),
    (2203, 22, 'Alvand',                 'الوند',           false),
    (2204, 22, 'Buin Zahra',             'بوئین‌زهرا',      false),
    (2205, 22, 'Abyek',                  'آبیک',            false),
    (2206, 22, 'Mohammadiyeh',           'محمدیه',          false),
    (2207, 22, 'Eqbaliyeh',              'اقبالیه',         false),
    (2208, 22, 'Avaj',                   'آوج',             false),
    -- 23 Qom
    (2301, 23, 'Qom',                    'قم',              true),
    (2302, 23, 'Jafariyeh',              'جعفریه',          false),
    (2303, 23, 'Kahak',                  'کهک',             false),
    (2304, 23, 'Qanavat',                'قنوات',           false),
    (2305, 23, 'Dastjerd',               'دستجرد',          false),
    (2306, 23, 'Salafchegan',            'سلفچگان',         false),
    -- 24 Razavi Khorasan
    (2401, 24, 'Mashhad',                'مشهد',            true),
    (2402, 24, 'Neyshabur',              'نیشابور',         false),
    (2403, 24, 'Sabzevar',               'سبزوار',          false),
    (2404, 24, 'Torbat-e Heydarieh',     'تربت حیدریه',     false),
    (2405, 24, 'Quchan',                 'قوچان',           false),
    (2406, 24, 'Kashmar',                'کاشمر',           false),
    (2407, 24, 'Gonabad',                'گناباد',          false),
    (2408, 24, 'Torbat-e Jam',           'تربت جام',        false),
    (2409, 24, 'Chenaran',               'چناران',          false),
    (2410, 24, 'Taybad',                 'تایباد',          false),
    (2411, 24, 'Fariman',                'فریمان',          false),
    (2412, 24, 'Khaf',                   'خواف',            false),
    (2413, 24, 'Bardaskan',              'بردسکن',          false),
    (2414, 24, 'Dargaz',                 'درگز',            false),
    (2415, 24, 'Sarakhs',                'سرخس',            false),
    (2416, 24, 'Golbahar',               'گلبهار',          false),
    (2417, 24, 'Bajestan',               'بجستان',          false),
    -- 25 Semnan
    (2501, 25, 'Semnan',                 'سمنان',           true),
    (2502, 25, 'Shahrud',                'شاهرود',          false),
    (2503, 25, 'Damghan',                'دامغان',          false),
    (2504, 25, 'Garmsar',                'گرمسار',          false),
    (2505, 25, 'Mehdishahr',             'مهدی‌شهر',        false),
    (2506, 25, 'Sorkheh',                'سرخه',            false),
    (2507, 25, 'Aradan',                 'آرادان',          false),
    (2508, 25, 'Meyami',                 'میامی',           false),
    -- 26 Sistan and Baluchestan
    (2601, 26, 'Zahedan',                'زاهدان',          true),
    (2602, 26, 'Zabol',                  'زابل',            false),
    (2603, 26, 'Iranshahr',              'ایرانشهر',        false),
    (2604, 26, 'Chabahar',               'چابهار',          false),
    (2605, 26, 'Saravan',                'سراوان',          false),
    (2606, 26, 'Khash',                  'خاش',             false),
    (2607, 26, 'Konarak',                'کنارک',           false),
    (2608, 26, 'Nikshahr',               'نیک‌شهر',         false),
    (2609, 26, 'Zahak',                  'زهک',             false),
    -- 27 South Khorasan
    (2701, 27, 'Birjand',                'بیرجند',          true),
    (2702, 27, 'Qaen',                   'قائن',            false),
    (2703, 27, 'Ferdows',                'فردوس',           false),
    (2704, 27, 'Nehbandan',              'نهبندان',         false),
    (2705, 27, 'Boshruyeh',              'بشرویه',          false),
    (2706, 27, 'Sarbisheh',              'سربیشه',          false),
    (2707, 27, 'Khusf',                  'خوسف',            false),
    -- 28 Tehran
    (2801, 28, 'Tehran',                 'تهران',           true),
    (2802, 28, 'Eslamshahr',             'اسلامشهر',        false),
    (2803, 28, 'Shahriar',               'شهریار',          false),
    (2804, 28, 'Qods',                   'قدس',             false),
    (2805, 28, 'Malard',                 'ملارد',           false),
    (2806, 28, 'Pakdasht',               'پاکدشت',          false),
    (2807, 28, 'Varamin',                'ورامین',          false),
    (2808, 28, 'Robat Karim',            'رباط کریم',       false),
    (2809, 28, 'Ray',                    'ری',              false),
    (2810, 28, 'Shemiranat',             'شمیرانات',        false),
    (2811, 28, 'Damavand',               'دماوند',          false),
    (2812, 28, 'Pardis',                 'پردیس',           false),
    (2813, 28, 'Baharestan',             'بهارستان',        false),
    (2814, 28, 'Firuzkuh',               'فیروزکوه',        false),
    (2815, 28, 'Qarchak',                'قرچک',            false),
    (2816, 28, 'Pishva',                 'پیشوا',           false),
    -- 29 West Azerbaijan
    (2901, 29, 'Urmia',                  'ارومیه',          true),
    (2902, 29, 'Khoy',                   'خوی',             false),
    (2903, 29, 'Mahabad',                'مهاباد',          false),
    (2904, 29, 'Miandoab',               'میاندوآب',        false),
    (2905, 29, 'Bukan',                  'بوکان',           false),
    (2906, 29, 'Salmas',                 'سلماس',           false),
    (2907, 29, 'Naqadeh',                'نقده',            false),
    (2908, 29, 'Piranshahr',             'پیرانشهر',        false),
    (2909, 29, 'Sardasht',               'سردشت',           false),
    (2910, 29, 'Maku',                   'ماکو',            false),
    (2911, 29, 'Oshnavieh',              'اشنویه',          false),
    (2912, 29, 'Shahin Dezh',            'شاهین‌دژ',        false),
    (2913, 29, 'Takab',                  'تکاب',            false),
    (2914, 29, 'Chaldoran',              'چالدران',         false),
    -- 30 Yazd
    (3001, 30, 'Yazd',                   'یزد',             true),
    (3002, 30, 'Meybod',                 'میبد',            false),
    (3003, 30, 'Ardakan',                'اردکان',          false),
    (3004, 30, 'Bafq',                   'بافق',            false),
    (3005, 30, 'Mehriz',                 'مهریز',           false),
    (3006, 30, 'Taft',                   'تفت',             false),
    (3007, 30, 'Abarkuh',                'ابرکوه',          false),
    (3008, 30, 'Tabas',                  'طبس',             false),
    -- 31 Zanjan
    (3101, 31, 'Zanjan',                 'زنجان',           true),
    (3102, 31, 'Abhar',                  'ابهر',            false),
    (3103, 31, 'Khorramdarreh',          'خرمدره',          false),
    (3104, 31, 'Qeydar',                 'قیدار',           false),
    (3105, 31, 'Soltaniyeh',             'سلطانیه',         false),
    (3106, 31, 'Mahneshan',              'ماهنشان',         false),
    (3107, 31, 'Ab Bar',                 'آب‌بر',           false);

-- ---------------------------------------------------------------------------------------------
-- Universities of medical sciences (n = 1 is the province's main university)
-- ---------------------------------------------------------------------------------------------
INSERT INTO universities (id, province_id, name, name_fa) VALUES
    -- 1 Alborz
    (11,  1,  'Alborz University of Medical Sciences',                'دانشگاه علوم پزشکی البرز'),
    -- 2 Ardabil
    (21,  2,  'Ardabil University of Medical Sciences',               'دانشگاه علوم پزشکی اردبیل'),
    -- 3 Bushehr
    (31,  3,  'Bushehr University of Medical Sciences',               'دانشگاه علوم پزشکی بوشهر'),
    -- 4 Chaharmahal and Bakhtiari
    (41,  4,  'Shahrekord University of Medical Sciences',            'دانشگاه علوم پزشکی شهرکرد'),
    -- 5 East Azerbaijan
    (51,  5,  'Tabriz University of Medical Sciences',                'دانشگاه علوم پزشکی تبریز'),
    (52,  5,  'Maragheh University of Medical Sciences',              'دانشگاه علوم پزشکی مراغه'),
    -- 6 Fars
    (61,  6,  'Shiraz University of Medical Sciences',                'دانشگاه علوم پزشکی شیراز'),
    (62,  6,  'Jahrom University of Medical Sciences',                'دانشگاه علوم پزشکی جهرم'),
    (63,  6,  'Fasa University of Medical Sciences',                  'دانشگاه علوم پزشکی فسا'),
    (64,  6,  'Larestan University of Medical Sciences',              'دانشگاه علوم پزشکی لارستان'),
    (65,  6,  'Gerash University of Medical Sciences',                'دانشگاه علوم پزشکی گراش'),
    -- 7 Gilan
    (71,  7,  'Guilan University of Medical Sciences',                'دانشگاه علوم پزشکی گیلان'),
    -- 8 Golestan
    (81,  8,  'Golestan University of Medical Sciences',              'دانشگاه علوم پزشکی گلستان'),
    -- 9 Hamadan
    (91,  9,  'Hamadan University of Medical Sciences',               'دانشگاه علوم پزشکی همدان'),
    -- 10 Hormozgan
    (101, 10, 'Hormozgan University of Medical Sciences',             'دانشگاه علوم پزشکی هرمزگان'),
    -- 11 Ilam
    (111, 11, 'Ilam University of Medical Sciences',                  'دانشگاه علوم پزشکی ایلام'),
    -- 12 Isfahan
    (121, 12, 'Isfahan University of Medical Sciences',               'دانشگاه علوم پزشکی اصفهان'),
    (122, 12, 'Kashan University of Medical Sciences',                'دانشگاه علوم پزشکی کاشان'),
    -- 13 Kerman
    (131, 13, 'Kerman University of Medical Sciences',                'دانشگاه علوم پزشکی کرمان'),
    (132, 13, 'Rafsanjan University of Medical Sciences',             'دانشگاه علوم پزشکی رفسنجان'),
    (133, 13, 'Jiroft University of Medical Sciences',                'دانشگاه علوم پزشکی جیرفت'),
    (134, 13, 'Bam University of Medical Sciences',                   'دانشگاه علوم پزشکی بم'),
    -- 14 Kermanshah
    (141, 14, 'Kermanshah University of Medical Sciences',            'دانشگاه علوم پزشکی کرمانشاه'),
    -- 15 Khuzestan
    (151, 15, 'Ahvaz Jundishapur University of Medical Sciences',     'دانشگاه علوم پزشکی جندی‌شاپور اهواز'),
    (152, 15, 'Dezful University of Medical Sciences',                'دانشگاه علوم پزشکی دزفول'),
    (153, 15, 'Abadan University of Medical Sciences',                'دانشگاه علوم پزشکی آبادان'),
    -- 16 Kohgiluyeh and Boyer-Ahmad
    (161, 16, 'Yasuj University of Medical Sciences',                 'دانشگاه علوم پزشکی یاسوج'),
    -- 17 Kurdistan
    (171, 17, 'Kurdistan University of Medical Sciences',             'دانشگاه علوم پزشکی کردستان'),
    -- 18 Lorestan
    (181, 18, 'Lorestan University of Medical Sciences',              'دانشگاه علوم پزشکی لرستان'),
    -- 19 Markazi
    (191, 19, 'Arak University of Medical Sciences',                  'دانشگاه علوم پزشکی اراک'),
    (192, 19, 'Saveh University of Medical Sciences',                 'دانشگاه علوم پزشکی ساوه'),
    -- 20 Mazandaran
    (201, 20, 'Mazandaran University of Medical Sciences',            'دانشگاه علوم پزشکی مازندران'),
    (202, 20, 'Babol University of Medical Sciences',                 'دانشگاه علوم پزشکی بابل'),
    -- 21 North Khorasan
    (211, 21, 'North Khorasan University of Medical Sciences',        'دانشگاه علوم پزشکی خراسان شمالی'),
    -- 22 Qazvin
    (221, 22, 'Qazvin University of Medical Sciences',                'دانشگاه علوم پزشکی قزوین'),
    -- 23 Qom
    (231, 23, 'Qom University of Medical Sciences',                   'دانشگاه علوم پزشکی قم'),
    -- 24 Razavi Khorasan
    (241, 24, 'Mashhad University of Medical Sciences',               'دانشگاه علوم پزشکی مشهد'),
    (242, 24, 'Sabzevar University of Medical Sciences',              'دانشگاه علوم پزشکی سبزوار'),
    (243, 24, 'Neyshabur University of Medical Sciences',             'دانشگاه علوم پزشکی نیشابور'),
    (244, 24, 'Gonabad University of Medical Sciences',               'دانشگاه علوم پزشکی گناباد'),
    (245, 24, 'Torbat Heydarieh University of Medical Sciences',      'دانشگاه علوم پزشکی تربت حیدریه'),
    -- 25 Semnan
    (251, 25, 'Semnan University of Medical Sciences',                'دانشگاه علوم پزشکی سمنان'),
    (252, 25, 'Shahroud University of Medical Sciences',              'دانشگاه علوم پزشکی شاهرود'),
    -- 26 Sistan and Baluchestan
    (261, 26, 'Zahedan University of Medical Sciences',               'دانشگاه علوم پزشکی زاهدان'),
    (262, 26, 'Zabol University of Medical Sciences',                 'دانشگاه علوم پزشکی زابل'),
    (263, 26, 'Iranshahr University of Medical Sciences',             'دانشگاه علوم پزشکی ایرانشهر'),
    -- 27 South Khorasan
    (271, 27, 'Birjand University of Medical Sciences',               'دانشگاه علوم پزشکی بیرجند'),
    -- 28 Tehran
    (281, 28, 'Tehran University of Medical Sciences',                'دانشگاه علوم پزشکی تهران'),
    (282, 28, 'Shahid Beheshti University of Medical Sciences',        'دانشگاه علوم پزشکی شهید بهشتی'),
    (283, 28, 'Iran University of Medical Sciences',                  'دانشگاه علوم پزشکی ایران'),
    -- 29 West Azerbaijan
    (291, 29, 'Urmia University of Medical Sciences',                 'دانشگاه علوم پزشکی ارومیه'),
    (292, 29, 'Khoy University of Medical Sciences',                  'دانشگاه علوم پزشکی خوی'),
    -- 30 Yazd
    (301, 30, 'Shahid Sadoughi University of Medical Sciences, Yazd', 'دانشگاه علوم پزشکی شهید صدوقی یزد'),
    -- 31 Zanjan
    (311, 31, 'Zanjan University of Medical Sciences',                'دانشگاه علوم پزشکی زنجان');

-- ---------------------------------------------------------------------------------------------
-- University coverage (R2). Each province has one default row (city_id NULL) naming its main
-- university; each additional university has a row per city it covers, overriding the default.
-- Tehran province is split between its three universities; Tehran city itself has an explicit
-- row for Tehran University of Medical Sciences.
-- ---------------------------------------------------------------------------------------------
INSERT INTO university_coverage (university_id, province_id, city_id) VALUES
    -- 1 Alborz
    (11,  1,  NULL),
    -- 2 Ardabil
    (21,  2,  NULL),
    -- 3 Bushehr
    (31,  3,  NULL),
    -- 4 Chaharmahal and Bakhtiari
    (41,  4,  NULL),
    -- 5 East Azerbaijan: Tabriz by default; Maragheh for the south-west
    (51,  5,  NULL),
    (52,  5,  502),   -- Maragheh
    (52,  5,  506),   -- Bonab
    (52,  5,  510),   -- Ajab Shir
    (52,  5,  511),   -- Malekan
    -- 6 Fars: Shiraz by default; Jahrom, Fasa, Larestan and Gerash for their cities
    (61,  6,  NULL),
    (62,  6,  603),   -- Jahrom
    (63,  6,  604),   -- Fasa
    (64,  6,  607),   -- Lar
    (65,  6,  611),   -- Gerash
    -- 7 Gilan
    (71,  7,  NULL),
    -- 8 Golestan
    (81,  8,  NULL),
    -- 9 Hamadan
    (91,  9,  NULL),
    -- 10 Hormozgan
    (101, 10, NULL),
    -- 11 Ilam
    (111, 11, NULL),
    -- 12 Isfahan: Isfahan by default; Kashan for Kashan and Aran va Bidgol
    (121, 12, NULL),
    (122, 12, 1202),  -- Kashan
    (122, 12, 1211),  -- Aran va Bidgol
    -- 13 Kerman: Kerman by default; Rafsanjan, Jiroft (the south) and Bam
    (131, 13, NULL),
    (132, 13, 1303),  -- Rafsanjan
    (132, 13, 1310),  -- Anar
    (133, 13, 1304),  -- Jiroft
    (133, 13, 1307),  -- Kahnuj
    (133, 13, 1311),  -- Anbarabad
    (133, 13, 1312),  -- Manujan
    (134, 13, 1305),  -- Bam
    -- 14 Kermanshah
    (141, 14, NULL),
    -- 15 Khuzestan: Ahvaz Jundishapur by default; Dezful and Abadan for their areas
    (151, 15, NULL),
    (152, 15, 1502),  -- Dezful
    (152, 15, 1506),  -- Andimeshk
    (153, 15, 1503),  -- Abadan
    (153, 15, 1504),  -- Khorramshahr
    -- 16 Kohgiluyeh and Boyer-Ahmad
    (161, 16, NULL),
    -- 17 Kurdistan
    (171, 17, NULL),
    -- 18 Lorestan
    (181, 18, NULL),
    -- 19 Markazi: Arak by default; Saveh for Saveh
    (191, 19, NULL),
    (192, 19, 1902),  -- Saveh
    -- 20 Mazandaran: Mazandaran (Sari) by default; Babol for Babol and its neighbours
    (201, 20, NULL),
    (202, 20, 2003),  -- Babol
    (202, 20, 2009),  -- Babolsar
    (202, 20, 2013),  -- Fereydunkenar
    (202, 20, 2015),  -- Amirkola
    -- 21 North Khorasan
    (211, 21, NULL),
    -- 22 Qazvin
    (221, 22, NULL),
    -- 23 Qom
    (231, 23, NULL),
    -- 24 Razavi Khorasan: Mashhad by default; four other universities for their cities
    (241, 24, NULL),
    (242, 24, 2403),  -- Sabzevar
    (243, 24, 2402),  -- Neyshabur
    (244, 24, 2407),  -- Gonabad
    (244, 24, 2417),  -- Bajestan
    (245, 24, 2404),  -- Torbat-e Heydarieh
    -- 25 Semnan: Semnan by default; Shahroud for Shahrud and Meyami
    (251, 25, NULL),
    (252, 25, 2502),  -- Shahrud
    (252, 25, 2508),  -- Meyami
    -- 26 Sistan and Baluchestan: Zahedan by default; Zabol for Sistan, Iranshahr for the south
    (261, 26, NULL),
    (262, 26, 2602),  -- Zabol
    (262, 26, 2609),  -- Zahak
    (263, 26, 2603),  -- Iranshahr
    (263, 26, 2604),  -- Chabahar
    (263, 26, 2607),  -- Konarak
    (263, 26, 2608),  -- Nikshahr
    -- 27 South Khorasan
    (271, 27, NULL),
    -- 28 Tehran: Tehran University by default and explicitly for Tehran city, Eslamshahr, Ray
    -- and Baharestan; Shahid Beheshti for the north and east; Iran University for the west
    (281, 28, NULL),
    (281, 28, 2801),  -- Tehran
    (281, 28, 2802),  -- Eslamshahr
    (281, 28, 2809),  -- Ray
    (281, 28, 2813),  -- Baharestan
    (282, 28, 2810),  -- Shemiranat
    (282, 28, 2811),  -- Damavand
    (282, 28, 2812),  -- Pardis
    (282, 28, 2806),  -- Pakdasht
    (282, 28, 2807),  -- Varamin
    (282, 28, 2814),  -- Firuzkuh
    (282, 28, 2815),  -- Qarchak
    (282, 28, 2816),  -- Pishva
    (283, 28, 2803),  -- Shahriar
    (283, 28, 2804),  -- Qods
    (283, 28, 2805),  -- Malard
    (283, 28, 2808),  -- Robat Karim
    -- 29 West Azerbaijan: Urmia by default; Khoy for Khoy
    (291, 29, NULL),
    (292, 29, 2902),  -- Khoy
    -- 30 Yazd
    (301, 30, NULL),
    -- 31 Zanjan
    (311, 31, NULL);

-- ---------------------------------------------------------------------------------------------
-- Fields of study (R4): eligible ones first, then examples of fields that are not eligible
-- ---------------------------------------------------------------------------------------------
INSERT INTO fields_of_study (id, code, name, name_fa, eligible) VALUES
    (1,  'BIOMEDICAL_ENGINEERING',         'Biomedical Engineering',                  'مهندسی پزشکی',                   true),
    (2,  'BIOELECTRIC_ENGINEERING',        'Biomedical Engineering (Bioelectric)',    'مهندسی پزشکی (بیوالکتریک)',      true),
    (3,  'BIOMECHANICAL_ENGINEERING',      'Biomedical Engineering (Biomechanics)',   'مهندسی پزشکی (بیومکانیک)',       true),
    (4,  'BIOMATERIALS_ENGINEERING',       'Biomedical Engineering (Biomaterials)',   'مهندسی پزشکی (بیومواد)',         true),
    (5,  'CLINICAL_ENGINEERING',           'Biomedical Engineering (Clinical)',       'مهندسی پزشکی (بالینی)',          true),
    (6,  'MEDICAL_EQUIPMENT_TECHNOLOGY',   'Medical Equipment Technology',            'تکنولوژی تجهیزات پزشکی',         true),
    (7,  'MEDICAL_PHYSICS',                'Medical Physics',                         'فیزیک پزشکی',                    true),
    (8,  'ELECTRICAL_ENGINEERING',         'Electrical Engineering',                  'مهندسی برق',                     true),
    (9,  'ELECTRONICS_ENGINEERING',        'Electronics Engineering',                 'مهندسی الکترونیک',               true),
    (10, 'MECHANICAL_ENGINEERING',         'Mechanical Engineering',                  'مهندسی مکانیک',                  true),
    (11, 'COMPUTER_ENGINEERING',           'Computer Engineering',                    'مهندسی کامپیوتر',                true),
    (12, 'RADIOLOGY_TECHNOLOGY',           'Radiology Technology',                    'تکنولوژی پرتوشناسی',             true),
    (13, 'RADIOTHERAPY_TECHNOLOGY',        'Radiotherapy Technology',                 'تکنولوژی پرتودرمانی',            true),
    (14, 'NUCLEAR_MEDICINE_TECHNOLOGY',    'Nuclear Medicine Technology',             'تکنولوژی پزشکی هسته‌ای',         true),
    (15, 'LABORATORY_SCIENCES',            'Medical Laboratory Sciences',             'علوم آزمایشگاهی',                true),
    (16, 'ANESTHESIOLOGY_TECHNOLOGY',      'Anesthesiology Technology',               'هوشبری',                         true),
    (17, 'OPERATING_ROOM_TECHNOLOGY',      'Operating Room Technology',               'تکنولوژی اتاق عمل',              true),
    (18, 'NURSING',                        'Nursing',                                 'پرستاری',                        true),
    (19, 'OPTOMETRY',                      'Optometry',                               'بینایی‌سنجی',                    true),
    (20, 'AUDIOLOGY',                      'Audiology',                               'شنوایی‌شناسی',                   true),
    (21, 'PHYSIOTHERAPY',                  'Physiotherapy',                           'فیزیوتراپی',                     true),
    (22, 'PHARMACY',                       'Pharmacy',                                'داروسازی',                       true),
    (23, 'DENTISTRY',                      'Dentistry',                               'دندان‌پزشکی',                    true),
    (24, 'MEDICINE',                       'Medicine',                                'پزشکی',                          true),
    (25, 'CHEMISTRY',                      'Chemistry',                               'شیمی',                           true),
    (26, 'PHYSICS',                        'Physics',                                 'فیزیک',                          true),
    (27, 'HEALTH_TECHNOLOGY_MANAGEMENT',   'Health Technology Management',            'مدیریت فناوری سلامت',            true),
    -- not eligible
    (28, 'PERSIAN_LITERATURE',             'Persian Language and Literature',         'زبان و ادبیات فارسی',            false),
    (29, 'LAW',                            'Law',                                     'حقوق',                           false),
    (30, 'ACCOUNTING',                     'Accounting',                              'حسابداری',                       false),
    (31, 'HISTORY',                        'History',                                 'تاریخ',                          false),
    (32, 'ECONOMICS',                      'Economics',                               'اقتصاد',                         false);

-- ---------------------------------------------------------------------------------------------
-- Degree levels
-- ---------------------------------------------------------------------------------------------
INSERT INTO degree_levels (code, name, name_fa, rank, eligible) VALUES
    ('ASSOCIATE', 'Associate', 'کاردانی',       1, true),
    ('BACHELOR',  'Bachelor',  'کارشناسی',      2, true),
    ('MASTER',    'Master',    'کارشناسی ارشد', 3, true),
    ('DOCTORATE', 'Doctorate', 'دکتری',         4, true);

-- ---------------------------------------------------------------------------------------------
-- Review fees, in Rials (R9)
-- ---------------------------------------------------------------------------------------------
INSERT INTO review_fees (kind, amount_rials) VALUES
    ('NEW',       5000000),
    ('AMENDMENT', 2500000);

-- ---------------------------------------------------------------------------------------------
-- Documents a request must carry. An AMENDMENT request needs none.
-- ---------------------------------------------------------------------------------------------
INSERT INTO required_document_kinds (request_kind, document_kind) VALUES
    ('NEW', 'DEGREE_CERTIFICATE'),
    ('NEW', 'NATIONAL_CARD'),
    ('NEW', 'BIRTH_CERTIFICATE'),
    ('NEW', 'PHOTO');
